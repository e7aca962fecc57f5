//! Search over a snapshot: base resolution (with visibility), scope ranges, index-driven
//! candidate selection and filter verification.

use std::time::Instant;

use orgdir_domain::dn::Dn;

use crate::entry::EntryId;
use crate::filter::{Eval, Filter, Tri};
use crate::snapshot::{Snapshot, Viewer};

/// Search scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The base entry only.
    Base,
    /// Direct children of the base.
    One,
    /// The base and everything below it.
    Sub,
    /// Everything below the base, not the base itself.
    Children,
}

/// A search request against one snapshot.
#[derive(Debug)]
pub struct SearchSpec<'a> {
    /// The base DN (parsed).
    pub base: &'a Dn,
    /// Scope.
    pub scope: Scope,
    /// Filter.
    pub filter: &'a Filter,
    /// Stop after this many matches (the caller asks for one more than its size limit to
    /// detect sizeLimitExceeded).
    pub max: usize,
    /// Give up at this instant.
    pub deadline: Option<Instant>,
}

/// Why a search ended early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchFailure {
    /// The base does not exist for this viewer. `matched` is the closest visible ancestor.
    NoSuchObject {
        /// matchedDN.
        matched: String,
    },
    /// The deadline passed; the matches found so far.
    TimeLimit(Vec<EntryId>),
}

/// Resolves `dn` to an entry the viewer can see, or the matchedDN to report.
pub fn resolve(snap: &Snapshot, viewer: &Viewer, dn: &Dn) -> Result<EntryId, SearchFailure> {
    let vis = snap.visibility(viewer);
    let mut cur = dn.clone();
    let mut first = true;
    loop {
        if !cur.is_within(&snap.base) {
            return Err(SearchFailure::NoSuchObject {
                matched: String::new(),
            });
        }
        if let Some(id) = snap.lookup_ndn(&cur.normalized())
            && snap.can_see(viewer, vis.as_deref(), id)
        {
            if first {
                return Ok(id);
            }
            return Err(SearchFailure::NoSuchObject {
                matched: snap.entry(id).map(|e| e.dn.to_string()).unwrap_or_default(),
            });
        }
        first = false;
        if cur.is_root() {
            return Err(SearchFailure::NoSuchObject {
                matched: String::new(),
            });
        }
        cur = cur.parent();
    }
}

fn scan(
    start: EntryId,
    end: EntryId,
    out: &mut Vec<EntryId>,
    test: &impl Fn(EntryId, &mut Vec<EntryId>) -> bool,
    check_deadline: &impl Fn(usize, &Vec<EntryId>) -> Result<(), SearchFailure>,
) -> Result<(), SearchFailure> {
    for (n, id) in (start..end).enumerate() {
        check_deadline(n, out)?;
        if !test(id, out) {
            break;
        }
    }
    Ok(())
}

/// Runs a search. Returns matching entry ids in DIT order.
pub fn search(
    snap: &Snapshot,
    viewer: &Viewer,
    spec: &SearchSpec<'_>,
) -> Result<Vec<EntryId>, SearchFailure> {
    let base = resolve(snap, viewer, spec.base)?;
    let vis = snap.visibility(viewer);
    let ev = Eval {
        snap,
        viewer,
        vis: vis.as_deref(),
    };
    let end = snap.entry(base).map(|e| e.end).unwrap_or(base);
    let in_scope = |id: EntryId| match spec.scope {
        Scope::Base => id == base,
        Scope::Sub => id >= base && id < end,
        Scope::Children => id > base && id < end,
        Scope::One => snap.entry(id).and_then(|e| e.parent) == Some(base),
    };
    let mut out = Vec::new();
    let test = |id: EntryId, out: &mut Vec<EntryId>| -> bool {
        if let Some(e) = snap.entry(id)
            && ev.sees(id)
            && ev.eval(spec.filter, id, e) == Tri::True
        {
            out.push(id);
        }
        out.len() < spec.max
    };
    let check_deadline = |n: usize, out: &Vec<EntryId>| -> Result<(), SearchFailure> {
        if n % 512 == 511
            && let Some(d) = spec.deadline
            && Instant::now() >= d
        {
            return Err(SearchFailure::TimeLimit(out.clone()));
        }
        Ok(())
    };
    if spec.scope == Scope::Base {
        test(base, &mut out);
        return Ok(out);
    }
    let start = if spec.scope == Scope::Children {
        base + 1
    } else {
        base
    };
    match ev.candidates(spec.filter) {
        Some(list) => {
            // Only the candidates inside the subtree's id range.
            let lo = list.partition_point(|x| *x < start);
            let hi = list.partition_point(|x| *x < end);
            let slice = list.get(lo..hi).unwrap_or(&[]);
            if spec.scope == Scope::One || slice.len() <= (end - start) as usize {
                for (n, id) in slice.iter().copied().filter(|id| in_scope(*id)).enumerate() {
                    check_deadline(n, &out)?;
                    if !test(id, &mut out) {
                        break;
                    }
                }
                return Ok(out);
            }
            // The index narrows less than the scope does: walk the scope instead.
            scan(start, end, &mut out, &test, &check_deadline)?;
        }
        None if spec.scope == Scope::One => {
            for (n, id) in snap.children(base).enumerate() {
                check_deadline(n, &out)?;
                if !test(id, &mut out) {
                    break;
                }
            }
        }
        None => scan(start, end, &mut out, &test, &check_deadline)?,
    }
    Ok(out)
}
