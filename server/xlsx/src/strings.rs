//! The shared-string table, for [`Strings::Shared`](crate::Strings::Shared): one table for
//! the whole workbook, filled by the sheet threads at once. Each thread keeps its own cache
//! of the strings it has seen, so the common case (text repeated row after row) takes no
//! lock; a string new to the thread takes the table's lock once.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use crate::escape;

/// The workbook's table: index by text, and the texts in index order.
#[derive(Default)]
pub struct Table {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    index: HashMap<Box<str>, u32>,
    texts: Vec<Box<str>>,
}

impl Table {
    /// The index of `s`, adding it when new.
    fn intern(&self, s: &str) -> u32 {
        // A panic elsewhere while holding the lock cannot leave the table half-updated (an
        // index is pushed before it is published), so a poisoned lock is still usable.
        let mut t = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(&i) = t.index.get(s) {
            return i;
        }
        let i = u32::try_from(t.texts.len()).unwrap_or(u32::MAX);
        t.texts.push(s.into());
        t.index.insert(s.into(), i);
        i
    }

    /// `xl/sharedStrings.xml`; `count` is the number of cells referring to the table.
    pub fn xml(&self, count: u64) -> Vec<u8> {
        let t = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let mut x = Vec::with_capacity(t.texts.iter().map(|s| s.len() + 16).sum::<usize>() + 256);
        x.extend_from_slice(
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
                 <sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
                 count=\"{count}\" uniqueCount=\"{}\">",
                t.texts.len()
            )
            .as_bytes(),
        );
        for s in &t.texts {
            if escape::needs_preserve(s) {
                x.extend_from_slice(b"<si><t xml:space=\"preserve\">");
            } else {
                x.extend_from_slice(b"<si><t>");
            }
            escape::text(&mut x, s);
            x.extend_from_slice(b"</t></si>");
        }
        x.extend_from_slice(b"</sst>");
        x
    }
}

/// One sheet thread's view of the table.
pub struct Local<'t> {
    table: &'t Table,
    seen: HashMap<Box<str>, u32>,
    /// Cells written that refer to the table.
    pub count: u64,
}

impl<'t> Local<'t> {
    /// A cache for one thread.
    pub fn new(table: &'t Table) -> Local<'t> {
        Local {
            table,
            seen: HashMap::new(),
            count: 0,
        }
    }

    /// The index of `s`.
    pub fn index(&mut self, s: &str) -> u32 {
        self.count += 1;
        if let Some(&i) = self.seen.get(s) {
            return i;
        }
        let i = self.table.intern(s);
        self.seen.insert(s.into(), i);
        i
    }
}
