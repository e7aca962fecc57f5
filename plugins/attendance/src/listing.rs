//! A scope's month as the export lists it, kept compact: what [`crate::view::visit_days`]
//! and [`crate::store::fold_records`] hand over is summed up or stored in flat vectors
//! indexed by member slot (the member's position in the scope, which lists members by
//! name) and day number, then put in the workbook's order: day lines sorted by (slot, day),
//! records by a stable counting sort on the slot.
//!
//! A month of 30,000 members and 1.3 M records: the day lines take 80 bytes each, the
//! records 24 bytes each plus their texts, stored once per member while they repeat (a
//! member's device reports the same addresses day after day).

use jiff::civil::Date;
use orgdir_plugin_api::PluginError;

use crate::classify::DayResult;
use crate::export::{DayLines, RecordLine, RecordLines, listed_day};
use crate::record::Kind;
use crate::report::Counts;
use crate::store::RecordRef;
use crate::view::{DaySink, Slots};

/// One listed day: the member's slot, the day number, the result.
#[derive(Clone, Copy, Debug)]
struct DayCell {
    slot: u32,
    day: u32,
    result: DayResult,
}

/// Each member's counts and the days the export lists ([`listed_day`]).
#[derive(Debug)]
pub struct MonthSink {
    /// Counts per slot.
    pub counts: Vec<Counts>,
    cells: Vec<DayCell>,
}

impl MonthSink {
    /// For `members` slots over `days` dates (room is reserved for every day listed; the
    /// memory of days not listed is never touched).
    pub fn new(members: usize, days: usize) -> MonthSink {
        MonthSink {
            counts: vec![Counts::default(); members],
            cells: Vec::with_capacity(members.saturating_mul(days)),
        }
    }

    /// The listed days by slot, then day, over the period's `dates`, for the members
    /// `ids` (by slot).
    pub fn into_days(mut self, ids: Vec<u64>, dates: Vec<Date>) -> (Vec<Counts>, DayList) {
        self.cells.sort_unstable_by_key(|c| (c.slot, c.day));
        (
            self.counts,
            DayList {
                ids,
                dates,
                cells: self.cells,
            },
        )
    }
}

impl DaySink for MonthSink {
    fn day(&mut self, slot: usize, day: usize, result: &DayResult) {
        let Some(c) = self.counts.get_mut(slot) else {
            return;
        };
        c.add(result);
        if listed_day(result)
            && let (Ok(slot), Ok(day)) = (u32::try_from(slot), u32::try_from(day))
        {
            self.cells.push(DayCell {
                slot,
                day,
                result: *result,
            });
        }
    }
}

/// The listed days in the workbook's order.
#[derive(Debug)]
pub struct DayList {
    ids: Vec<u64>,
    dates: Vec<Date>,
    cells: Vec<DayCell>,
}

impl DayLines for DayList {
    fn len(&self) -> usize {
        self.cells.len()
    }

    fn line(&self, i: usize) -> Option<(u64, Date, &DayResult)> {
        let c = self.cells.get(i)?;
        let member = *self.ids.get(usize::try_from(c.slot).ok()?)?;
        let date = *self.dates.get(usize::try_from(c.day).ok()?)?;
        Some((member, date, &c.result))
    }
}

/// Where a text is in [`RecordList::text`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Span {
    start: u32,
    len: u32,
}

/// The texts of a record (ip seen, ip reported, MAC, client), as spans of
/// [`RecordList::text`]; a member's records share them while they repeat.
type Texts = [Span; 4];

/// One record: its time, its member's slot, its texts ([`RecordList::texts`]) and kind.
#[derive(Clone, Copy, Debug)]
struct Rec {
    at: i64,
    slot: u32,
    texts: u32,
    kind: Kind,
}

/// The records of a scope's month: read in any order, listed by slot and, within a slot,
/// in the order read (after [`RecordList::finish`]).
#[derive(Debug)]
pub struct RecordList {
    slots: Slots,
    ids: Vec<u64>,
    text: String,
    texts: Vec<Texts>,
    recs: Vec<Rec>,
    /// Per slot, its last record's texts and their index in `texts` (while records are
    /// added; kept here, by slot, so checking a record reads one small table).
    last: Vec<Option<(u32, Texts)>>,
}

impl RecordList {
    /// An empty list for the members `ids` (by slot).
    pub fn new(ids: Vec<u64>) -> RecordList {
        RecordList {
            slots: Slots::new(ids.iter().copied()),
            last: vec![None; ids.len()],
            ids,
            text: String::new(),
            texts: Vec::new(),
            recs: Vec::new(),
        }
    }

    /// Adds a record of the month; records of members not in the list are left out.
    pub fn push(&mut self, r: RecordRef<'_>) -> Result<(), PluginError> {
        let Some(slot) = self.slots.of(r.member) else {
            return Ok(());
        };
        let too_large = || PluginError::Internal("the month's records are too large".into());
        let values = [r.ip_seen, r.ip_reported, r.mac_reported, r.client_kind];
        let last = self.last.get_mut(slot).ok_or_else(too_large)?;
        let texts = match last {
            Some((i, spans))
                if spans
                    .iter()
                    .zip(values)
                    .all(|(s, v)| text_at(&self.text, *s) == v) =>
            {
                *i
            }
            _ => {
                let mut spans = last.map(|(_, s)| s).unwrap_or_default();
                for (span, value) in spans.iter_mut().zip(values) {
                    if text_at(&self.text, *span) != value {
                        let start = u32::try_from(self.text.len()).map_err(|_| too_large())?;
                        let len = u32::try_from(value.len()).map_err(|_| too_large())?;
                        start.checked_add(len).ok_or_else(too_large)?;
                        self.text.push_str(value);
                        *span = Span { start, len };
                    }
                }
                let i = u32::try_from(self.texts.len()).map_err(|_| too_large())?;
                self.texts.push(spans);
                *last = Some((i, spans));
                i
            }
        };
        self.recs.push(Rec {
            at: r.at,
            slot: u32::try_from(slot).map_err(|_| too_large())?,
            texts,
            kind: r.kind,
        });
        Ok(())
    }

    /// Puts the records in slot order, keeping the order read within each slot (a stable
    /// counting sort), so the sheets read them in order.
    pub fn finish(mut self) -> Result<RecordList, PluginError> {
        let mut starts = vec![0usize; self.ids.len() + 1];
        for r in &self.recs {
            if let Some(n) = usize::try_from(r.slot)
                .ok()
                .and_then(|s| starts.get_mut(s + 1))
            {
                *n += 1;
            }
        }
        for i in 1..starts.len() {
            let before = starts.get(i - 1).copied().unwrap_or(0);
            if let Some(n) = starts.get_mut(i) {
                *n += before;
            }
        }
        let mut sorted: Vec<Rec> = self.recs.clone();
        for r in &self.recs {
            let Some(next) = usize::try_from(r.slot).ok().and_then(|s| starts.get_mut(s)) else {
                continue;
            };
            if let Some(place) = sorted.get_mut(*next) {
                *place = *r;
            }
            *next += 1;
        }
        self.recs = sorted;
        self.last = Vec::new();
        Ok(self)
    }
}

/// The text of `span` in `text` ("" if out of range).
fn text_at(text: &str, span: Span) -> &str {
    let start = usize::try_from(span.start).unwrap_or(usize::MAX);
    let len = usize::try_from(span.len).unwrap_or(0);
    text.get(start..start.saturating_add(len))
        .unwrap_or_default()
}

impl RecordLines for RecordList {
    fn len(&self) -> usize {
        self.recs.len()
    }

    fn line(&self, i: usize) -> Option<RecordLine<'_>> {
        let r = self.recs.get(i)?;
        let [ip_seen, ip_reported, mac_reported, client_kind] =
            *self.texts.get(usize::try_from(r.texts).ok()?)?;
        Some(RecordLine {
            member: *self.ids.get(usize::try_from(r.slot).ok()?)?,
            at: r.at,
            kind: r.kind,
            ip_seen: text_at(&self.text, ip_seen),
            ip_reported: text_at(&self.text, ip_reported),
            mac_reported: text_at(&self.text, mac_reported),
            client_kind: text_at(&self.text, client_kind),
        })
    }
}
