//! A fixed-size bit set over entry ids, for visibility sets.

use crate::entry::EntryId;

/// A set of entry ids below a fixed bound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BitSet {
    words: Vec<u64>,
}

impl BitSet {
    /// An empty set for ids `0..n`.
    pub fn new(n: usize) -> BitSet {
        BitSet {
            words: vec![0; n.div_ceil(64)],
        }
    }

    /// Adds an id (ids beyond the bound are ignored).
    pub fn insert(&mut self, id: EntryId) {
        if let Some(w) = self.words.get_mut((id / 64) as usize) {
            *w |= 1 << (id % 64);
        }
    }

    /// Whether the id is in the set.
    pub fn contains(&self, id: EntryId) -> bool {
        self.words
            .get((id / 64) as usize)
            .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    /// Number of ids in the set.
    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_contains() {
        let mut s = BitSet::new(130);
        for i in [0, 63, 64, 129, 500] {
            s.insert(i);
        }
        assert!(s.contains(0) && s.contains(63) && s.contains(64) && s.contains(129));
        assert!(!s.contains(1) && !s.contains(500));
        assert_eq!(s.len(), 4);
    }
}
