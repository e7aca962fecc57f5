//! Search filters as the directory evaluates them: an internal, already-bounded form of the
//! RFC 4511 filter (the LDAP front end converts and bounds the wire form), three-valued
//! evaluation against one entry, and candidate selection from the index.
//!
//! Visibility is part of evaluation: a reference to an entry the viewer cannot see (a hidden
//! member in a group's `member`) neither matches nor is shown, so filters cannot probe for it.

use std::borrow::Cow;

use orgdir_domain::dn::{Dn, normalize_value};

use crate::bitset::BitSet;
use crate::entry::{Entry, EntryId, EntryKind, ValuesRef};
use crate::schema::{self, AttrId, Matching, ids};
use crate::snapshot::{Snapshot, Viewer, normalize};

/// An attribute named in a filter.
#[derive(Clone, Debug, PartialEq)]
pub enum FilterAttr {
    /// A known attribute.
    Known(AttrId),
    /// Unknown (or with options): every assertion on it is Undefined.
    Unknown,
}

impl FilterAttr {
    /// Resolves an attribute description. `userPassword` resolves to Unknown: it can't be
    /// matched by anyone.
    pub fn resolve(name: &str) -> FilterAttr {
        match schema::lookup(name) {
            Some(id) if id == *ids::USER_PASSWORD => FilterAttr::Unknown,
            Some(id) => FilterAttr::Known(id),
            None => FilterAttr::Unknown,
        }
    }
}

/// A substring assertion.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Substrings {
    /// Leading part.
    pub initial: Option<String>,
    /// Middle parts in order.
    pub any: Vec<String>,
    /// Trailing part.
    pub final_: Option<String>,
}

/// An assertion value with its normalized forms, computed once per search (not per entry).
#[derive(Clone, Debug, PartialEq)]
pub struct Assertion {
    /// The value as sent.
    pub raw: String,
    /// Its equality key under the attribute's matching rule (`None`: invalid for the
    /// syntax, so equality is Undefined).
    key: Option<String>,
    /// Its integer value, for integer attributes.
    int: Option<i64>,
}

impl Assertion {
    /// Prepares `raw` for comparisons on `attr`.
    pub fn new(attr: &FilterAttr, raw: impl Into<String>) -> Assertion {
        let raw = raw.into();
        let m = match attr {
            FilterAttr::Known(a) => schema::attr(*a).matching,
            FilterAttr::Unknown => Matching::None,
        };
        Assertion {
            key: assertion_key(m, &raw),
            int: raw.trim().parse::<i64>().ok(),
            raw,
        }
    }
}

/// A matching rule named in an extensible match.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// Use this matching.
    Matching(Matching),
    /// LDAP_MATCHING_RULE_BIT_AND (1.2.840.113556.1.4.803).
    BitAnd,
    /// LDAP_MATCHING_RULE_BIT_OR (1.2.840.113556.1.4.804).
    BitOr,
    /// Unknown rule: Undefined.
    Unknown,
}

impl Rule {
    /// Resolves a matching rule by name or OID.
    pub fn resolve(name: &str) -> Rule {
        let n = name.to_ascii_lowercase();
        match n.as_str() {
            "2.5.13.2"
            | "caseignorematch"
            | "1.3.6.1.4.1.1466.109.114.2"
            | "caseignoreia5match" => Rule::Matching(Matching::CaseIgnore),
            "2.5.13.5"
            | "caseexactmatch"
            | "1.3.6.1.4.1.1466.109.114.1"
            | "caseexactia5match"
            | "2.5.13.17"
            | "octetstringmatch" => Rule::Matching(Matching::CaseExact),
            "2.5.13.1" | "distinguishednamematch" => Rule::Matching(Matching::Dn),
            "2.5.13.14" | "integermatch" => Rule::Matching(Matching::Integer),
            "2.5.13.0" | "objectidentifiermatch" => Rule::Matching(Matching::Oid),
            "2.5.13.20" | "telephonenumbermatch" => Rule::Matching(Matching::Telephone),
            "2.5.13.27" | "generalizedtimematch" => Rule::Matching(Matching::Time),
            "1.3.6.1.1.16.2" | "uuidmatch" => Rule::Matching(Matching::Uuid),
            "2.5.13.13" | "booleanmatch" => Rule::Matching(Matching::Boolean),
            "1.2.840.113556.1.4.803" => Rule::BitAnd,
            "1.2.840.113556.1.4.804" => Rule::BitOr,
            _ => Rule::Unknown,
        }
    }
}

/// A search filter.
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    /// All must match.
    And(Vec<Filter>),
    /// Any must match.
    Or(Vec<Filter>),
    /// Negation.
    Not(Box<Filter>),
    /// Equality match.
    Equality(FilterAttr, Assertion),
    /// Substrings match.
    Substrings(FilterAttr, Substrings),
    /// Ordering: value >= assertion.
    GreaterOrEqual(FilterAttr, Assertion),
    /// Ordering: value <= assertion.
    LessOrEqual(FilterAttr, Assertion),
    /// Attribute present.
    Present(FilterAttr),
    /// Approximate match.
    Approx(FilterAttr, Assertion),
    /// Extensible match.
    Extensible {
        /// The rule, if named.
        rule: Option<Rule>,
        /// The attribute, if named.
        attr: Option<FilterAttr>,
        /// Assertion value.
        value: String,
        /// Also match the entry's DN attributes.
        dn_attributes: bool,
    },
}

impl Filter {
    /// `(attr=value)` with the assertion prepared.
    pub fn equality(attr: FilterAttr, value: impl Into<String>) -> Filter {
        let a = Assertion::new(&attr, value);
        Filter::Equality(attr, a)
    }

    /// `(attr>=value)`.
    pub fn greater_or_equal(attr: FilterAttr, value: impl Into<String>) -> Filter {
        let a = Assertion::new(&attr, value);
        Filter::GreaterOrEqual(attr, a)
    }

    /// `(attr<=value)`.
    pub fn less_or_equal(attr: FilterAttr, value: impl Into<String>) -> Filter {
        let a = Assertion::new(&attr, value);
        Filter::LessOrEqual(attr, a)
    }

    /// `(attr~=value)`.
    pub fn approx(attr: FilterAttr, value: impl Into<String>) -> Filter {
        let a = Assertion::new(&attr, value);
        Filter::Approx(attr, a)
    }
}

/// Three-valued filter result (RFC 4511 section 4.5.1.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tri {
    /// TRUE.
    True,
    /// FALSE.
    False,
    /// Undefined.
    Undefined,
}

impl Tri {
    fn from_bool(b: bool) -> Tri {
        if b { Tri::True } else { Tri::False }
    }
}

/// What evaluation needs besides the entry.
pub struct Eval<'a> {
    /// The snapshot.
    pub snap: &'a Snapshot,
    /// The viewer.
    pub viewer: &'a Viewer,
    /// Its visibility set (`None`: sees all).
    pub vis: Option<&'a BitSet>,
}

impl Eval<'_> {
    /// Whether the viewer sees entry `id`.
    pub fn sees(&self, id: EntryId) -> bool {
        self.snap.can_see(self.viewer, self.vis, id)
    }

    /// The visible string values of an attribute of `entry` (references rendered).
    pub fn values(&self, id: EntryId, entry: &Entry, attr: AttrId) -> Vec<String> {
        if attr == *ids::HAS_SUBORDINATES {
            let any = self.snap.children(id).any(|c| self.sees(c));
            return vec![if any { "TRUE".into() } else { "FALSE".into() }];
        }
        match entry.get(attr) {
            None => Vec::new(),
            Some(ValuesRef::Str(v)) => v.map(String::from).collect(),
            Some(ValuesRef::Refs(rs)) => rs
                .iter()
                .filter(|r| self.sees(**r))
                .filter_map(|r| self.snap.entry(*r).map(|t| t.dn.to_string()))
                .collect(),
            Some(ValuesRef::Uids(rs)) => rs
                .iter()
                .filter(|r| self.sees(**r))
                .filter_map(|r| match self.snap.entry(*r).map(|t| t.kind) {
                    Some(EntryKind::Member(m)) => {
                        self.snap.state.members.get(&m).map(|m| m.account.clone())
                    }
                    _ => None,
                })
                .collect(),
        }
    }

    /// Calls `f` on each visible value of `attr` in its display form (references as the
    /// target's DN as written), for rendering results.
    pub fn visit_display(&self, id: EntryId, entry: &Entry, attr: AttrId, mut f: impl FnMut(&str)) {
        if attr == *ids::HAS_SUBORDINATES {
            let any = self.snap.children(id).any(|c| self.sees(c));
            f(if any { "TRUE" } else { "FALSE" });
            return;
        }
        match entry.get(attr) {
            None => {}
            Some(ValuesRef::Str(v)) => v.for_each(f),
            Some(ValuesRef::Refs(rs)) => {
                for r in rs {
                    if self.sees(*r)
                        && let Some(t) = self.snap.entry(*r)
                    {
                        f(&t.dn);
                    }
                }
            }
            Some(ValuesRef::Uids(rs)) => {
                for r in rs {
                    if self.sees(*r)
                        && let Some(EntryKind::Member(m)) = self.snap.entry(*r).map(|t| t.kind)
                        && let Some(m) = self.snap.state.members.get(&m)
                    {
                        f(&m.account);
                    }
                }
            }
        }
    }

    /// Calls `f` on each visible value of `attr` until it returns true; returns whether it
    /// did. References are given as the target's normalized DN, `memberUid` references as
    /// the account. Nothing is allocated for stored strings.
    pub fn any_value(
        &self,
        id: EntryId,
        entry: &Entry,
        attr: AttrId,
        mut f: impl FnMut(&str) -> bool,
    ) -> bool {
        if attr == *ids::HAS_SUBORDINATES {
            let any = self.snap.children(id).any(|c| self.sees(c));
            return f(if any { "TRUE" } else { "FALSE" });
        }
        match entry.get(attr) {
            None => false,
            Some(ValuesRef::Str(mut v)) => v.any(f),
            Some(ValuesRef::Refs(rs)) => rs
                .iter()
                .any(|r| self.sees(*r) && self.snap.entry(*r).is_some_and(|t| f(&t.ndn))),
            Some(ValuesRef::Uids(rs)) => rs.iter().any(|r| {
                self.sees(*r)
                    && match self.snap.entry(*r).map(|t| t.kind) {
                        Some(EntryKind::Member(m)) => self
                            .snap
                            .state
                            .members
                            .get(&m)
                            .is_some_and(|m| f(&m.account)),
                        _ => false,
                    }
            }),
        }
    }

    /// Evaluates `f` on entry `id`.
    pub fn eval(&self, f: &Filter, id: EntryId, entry: &Entry) -> Tri {
        match f {
            Filter::And(fs) => {
                let mut out = Tri::True;
                for f in fs {
                    match self.eval(f, id, entry) {
                        Tri::False => return Tri::False,
                        Tri::Undefined => out = Tri::Undefined,
                        Tri::True => {}
                    }
                }
                out
            }
            Filter::Or(fs) => {
                let mut out = Tri::False;
                for f in fs {
                    match self.eval(f, id, entry) {
                        Tri::True => return Tri::True,
                        Tri::Undefined => out = Tri::Undefined,
                        Tri::False => {}
                    }
                }
                out
            }
            Filter::Not(f) => match self.eval(f, id, entry) {
                Tri::True => Tri::False,
                Tri::False => Tri::True,
                Tri::Undefined => Tri::Undefined,
            },
            Filter::Present(FilterAttr::Known(a)) => {
                Tri::from_bool(self.any_value(id, entry, *a, |_| true))
            }
            Filter::Present(FilterAttr::Unknown) => Tri::False,
            Filter::Equality(FilterAttr::Known(a), v) => {
                let m = schema::attr(*a).matching;
                self.equality(id, entry, *a, m, v)
            }
            Filter::Approx(FilterAttr::Known(a), v) => {
                let m = schema::attr(*a).matching;
                if matches!(m, Matching::CaseIgnore | Matching::CaseExact) {
                    let squash = |s: &str| -> String {
                        normalize_value(s)
                            .chars()
                            .filter(|c| !c.is_whitespace())
                            .collect()
                    };
                    let want = squash(&v.raw);
                    Tri::from_bool(self.any_value(id, entry, *a, |x| squash(x) == want))
                } else {
                    self.equality(id, entry, *a, m, v)
                }
            }
            Filter::Substrings(FilterAttr::Known(a), s) => {
                let m = schema::attr(*a).matching;
                let norm = match m {
                    Matching::CaseIgnore | Matching::CaseExact | Matching::Telephone => m,
                    _ => return Tri::Undefined,
                };
                let ns = |x: &str| normalize_sub(norm, x);
                let pattern = Substrings {
                    initial: s.initial.as_deref().map(ns),
                    any: s.any.iter().map(|x| ns(x)).collect(),
                    final_: s.final_.as_deref().map(ns),
                };
                Tri::from_bool(self.any_value(id, entry, *a, |x| substring_match(&ns(x), &pattern)))
            }
            Filter::GreaterOrEqual(FilterAttr::Known(a), v) => {
                self.ordering(id, entry, *a, v, true)
            }
            Filter::LessOrEqual(FilterAttr::Known(a), v) => self.ordering(id, entry, *a, v, false),
            Filter::Extensible {
                rule,
                attr,
                value,
                dn_attributes,
            } => self.extensible(id, entry, *rule, attr.as_ref(), value, *dn_attributes),
            Filter::Equality(FilterAttr::Unknown, _)
            | Filter::Approx(FilterAttr::Unknown, _)
            | Filter::Substrings(FilterAttr::Unknown, _)
            | Filter::GreaterOrEqual(FilterAttr::Unknown, _)
            | Filter::LessOrEqual(FilterAttr::Unknown, _) => Tri::Undefined,
        }
    }

    fn equality(&self, id: EntryId, entry: &Entry, a: AttrId, m: Matching, v: &Assertion) -> Tri {
        let Some(want) = v.key.as_deref() else {
            return Tri::Undefined;
        };
        if m == Matching::None {
            return Tri::Undefined;
        }
        if let Some(ValuesRef::Refs(refs)) = entry.get(a) {
            // References are sorted entry ids: find the asserted DN's entry once, then a
            // binary search (the asserted entry must be visible, like any value).
            let found = self
                .snap
                .lookup_ndn(want)
                .is_some_and(|t| self.sees(t) && refs.binary_search(&t).is_ok());
            return Tri::from_bool(found);
        }
        if m == Matching::Integer {
            let Some(want) = v.int else {
                return Tri::Undefined;
            };
            return Tri::from_bool(
                self.any_value(id, entry, a, |x| x.trim().parse::<i64>().ok() == Some(want)),
            );
        }
        Tri::from_bool(self.any_value(id, entry, a, |x| value_matches(m, x, want)))
    }

    fn ordering(&self, id: EntryId, entry: &Entry, a: AttrId, v: &Assertion, ge: bool) -> Tri {
        let m = schema::attr(a).matching;
        let cmp = |x: std::cmp::Ordering| {
            if ge {
                x != std::cmp::Ordering::Less
            } else {
                x != std::cmp::Ordering::Greater
            }
        };
        match m {
            Matching::Integer => {
                let Some(want) = v.int else {
                    return Tri::Undefined;
                };
                Tri::from_bool(self.any_value(id, entry, a, |x| {
                    x.parse::<i64>().is_ok_and(|x| cmp(x.cmp(&want)))
                }))
            }
            Matching::Time => {
                let Some(want) = normalize_time(&v.raw) else {
                    return Tri::Undefined;
                };
                Tri::from_bool(self.any_value(id, entry, a, |x| cmp(x.cmp(want.as_str()))))
            }
            Matching::CaseIgnore | Matching::CaseExact => {
                let want = normalize(m, &v.raw);
                Tri::from_bool(self.any_value(id, entry, a, |x| {
                    cmp(normalize(m, x).as_str().cmp(want.as_str()))
                }))
            }
            _ => Tri::Undefined,
        }
    }

    fn extensible(
        &self,
        id: EntryId,
        entry: &Entry,
        rule: Option<Rule>,
        attr: Option<&FilterAttr>,
        value: &str,
        dn_attributes: bool,
    ) -> Tri {
        if rule == Some(Rule::Unknown) {
            return Tri::Undefined;
        }
        let attr_id = match attr {
            Some(FilterAttr::Known(a)) => Some(*a),
            Some(FilterAttr::Unknown) => return Tri::Undefined,
            None => None,
        };
        if attr_id.is_none() && rule.is_none() {
            return Tri::Undefined;
        }
        // One value against the rule (or the attribute's own equality).
        let check = |a: AttrId, x: &str| -> Tri {
            match rule {
                Some(Rule::BitAnd) | Some(Rule::BitOr) => {
                    let (Ok(mask), Ok(x)) = (value.trim().parse::<i64>(), x.parse::<i64>()) else {
                        return Tri::Undefined;
                    };
                    Tri::from_bool(if rule == Some(Rule::BitAnd) {
                        x & mask == mask
                    } else {
                        x & mask != 0
                    })
                }
                Some(Rule::Unknown) => Tri::Undefined,
                Some(Rule::Matching(m)) => match assertion_key(m, value) {
                    Some(want) => Tri::from_bool(value_matches(m, x, &want)),
                    None => Tri::Undefined,
                },
                None => {
                    let m = schema::attr(a).matching;
                    match assertion_key(m, value) {
                        Some(want) => Tri::from_bool(value_matches(m, x, &want)),
                        None => Tri::Undefined,
                    }
                }
            }
        };
        let mut result = Tri::False;
        let mut fold = |t: Tri| {
            match t {
                Tri::True => result = Tri::True,
                Tri::Undefined if result == Tri::False => result = Tri::Undefined,
                _ => {}
            }
            t == Tri::True
        };
        match attr_id {
            Some(a) => {
                self.any_value(id, entry, a, |x| fold(check(a, x)));
            }
            None => {
                for a in entry.attr_ids() {
                    if a != *ids::USER_PASSWORD
                        && self.any_value(id, entry, a, |x| fold(check(a, x)))
                    {
                        break;
                    }
                }
            }
        }
        if dn_attributes && let Ok(dn) = Dn::parse(&entry.dn) {
            for rdn in dn.rdns() {
                for ava in &rdn.0 {
                    let Some(a) = schema::lookup(&ava.attr) else {
                        continue;
                    };
                    if attr_id.is_some_and(|x| x != a) {
                        continue;
                    }
                    fold(check(a, &ava.value));
                }
            }
        }
        result
    }

    /// Candidate entries for `f` from the index, sorted; `None` when the index cannot narrow.
    pub fn candidates(&self, f: &Filter) -> Option<Cow<'_, [EntryId]>> {
        match f {
            Filter::Equality(FilterAttr::Known(a), v) => {
                let at = schema::attr(*a);
                if !at.indexed || *a == *ids::HAS_SUBORDINATES {
                    return None;
                }
                let key = v.key.as_deref()?;
                if at.matching == Matching::Oid {
                    let key = normalize_value(schema::object_class_name(key).unwrap_or(key));
                    return Some(Cow::Borrowed(self.snap.postings(*a, &key)?));
                }
                Some(Cow::Borrowed(self.snap.postings(*a, key)?))
            }
            // Equality on an unknown attribute is never TRUE.
            Filter::Equality(FilterAttr::Unknown, _) => Some(Cow::Borrowed(&[])),
            Filter::Substrings(FilterAttr::Known(a), s) => {
                let at = schema::attr(*a);
                if !at.indexed || !matches!(at.matching, Matching::CaseIgnore | Matching::Telephone)
                {
                    return None;
                }
                let prefix = s
                    .initial
                    .as_deref()
                    .map(|p| normalize_sub(at.matching, p))?;
                self.snap.prefix_postings(*a, &prefix).map(Cow::Owned)
            }
            Filter::And(fs) => {
                let mut best: Option<Cow<'_, [EntryId]>> = None;
                for f in fs {
                    if let Some(c) = self.candidates(f) {
                        best = Some(match best {
                            None => c,
                            Some(b) => Cow::Owned(intersect(&b, &c)),
                        });
                        if best.as_ref().is_some_and(|b| b.is_empty()) {
                            break;
                        }
                    }
                }
                best
            }
            Filter::Or(fs) => {
                let mut all = Vec::new();
                for f in fs {
                    all.extend_from_slice(&self.candidates(f)?);
                }
                all.sort_unstable();
                all.dedup();
                Some(Cow::Owned(all))
            }
            _ => None,
        }
    }
}

/// Intersection of two sorted lists; gallops through the longer one when their sizes differ
/// a lot (a 3-entry `member` posting list against 30,000 `objectClass` ones).
fn intersect(a: &[EntryId], b: &[EntryId]) -> Vec<EntryId> {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if small.len().saturating_mul(16) < large.len() {
        return small
            .iter()
            .copied()
            .filter(|x| large.binary_search(x).is_ok())
            .collect();
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while let (Some(x), Some(y)) = (small.get(i), large.get(j)) {
        match x.cmp(y) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(*x);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// Normalized key of an assertion value; `None` if the value is not valid for the syntax.
fn assertion_key(m: Matching, v: &str) -> Option<String> {
    match m {
        Matching::Integer => v.trim().parse::<i64>().ok().map(|n| n.to_string()),
        Matching::Time => normalize_time(v),
        Matching::Dn => Dn::parse(v).ok().map(|d| d.normalized()),
        Matching::Boolean => match v.trim().to_ascii_uppercase().as_str() {
            b @ ("TRUE" | "FALSE") => Some(b.to_string()),
            _ => None,
        },
        Matching::Oid => Some(normalize_value(
            schema::object_class_name(v.trim())
                .or_else(|| schema::lookup(v.trim()).map(|a| schema::attr(a).name))
                .unwrap_or(v),
        )),
        _ => Some(normalize(m, v)),
    }
}

/// Whether stored value `v` equals the normalized assertion `want` under matching `m`.
/// Common cases (ASCII case-insensitive strings, object class names, normalized DNs of
/// references) compare without allocating.
fn value_matches(m: Matching, v: &str, want: &str) -> bool {
    match m {
        Matching::CaseIgnore | Matching::Uuid => {
            if is_clean_ascii(v) {
                v.eq_ignore_ascii_case(want)
            } else {
                normalize_value(v) == want
            }
        }
        Matching::Oid => {
            let v = schema::object_class_name(v).unwrap_or(v);
            if is_clean_ascii(v) {
                v.eq_ignore_ascii_case(want)
            } else {
                normalize_value(v) == want
            }
        }
        // References are handed over already normalized (the target's ndn); stored DN
        // strings are normalized here.
        Matching::Dn => v == want || normalize(m, v) == want,
        Matching::Integer => {
            v.trim()
                .parse::<i64>()
                .map(|n| n.to_string())
                .ok()
                .as_deref()
                == Some(want)
        }
        Matching::CaseExact | Matching::Time => v == want,
        _ => normalize(m, v) == want,
    }
}

/// ASCII without leading, trailing or doubled spaces: normalizing it only lower-cases it.
fn is_clean_ascii(v: &str) -> bool {
    v.is_ascii()
        && !v.starts_with(' ')
        && !v.ends_with(' ')
        && !v.contains("  ")
        && !v.bytes().any(|b| b.is_ascii_whitespace() && b != b' ')
}

fn normalize_sub(m: Matching, v: &str) -> String {
    match m {
        Matching::CaseIgnore => {
            // Keep inner spacing as typed (folded), but don't trim: substrings are pieces.
            let mut s = String::new();
            for c in v.chars() {
                s.extend(c.to_lowercase());
            }
            s
        }
        Matching::Telephone => v
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect(),
        _ => v.to_string(),
    }
}

fn substring_match(value: &str, p: &Substrings) -> bool {
    let mut rest = value;
    if let Some(init) = &p.initial {
        match rest.strip_prefix(init.as_str()) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    for any in &p.any {
        match rest.find(any.as_str()) {
            Some(pos) => rest = rest.get(pos + any.len()..).unwrap_or(""),
            None => return false,
        }
    }
    match &p.final_ {
        Some(fin) => rest.ends_with(fin.as_str()),
        None => true,
    }
}

/// Normalizes a GeneralizedTime assertion to `YYYYMMDDHHMMSSZ` (UTC); `None` if invalid.
pub fn normalize_time(v: &str) -> Option<String> {
    let v = v.trim();
    let digits: String = v.chars().take_while(char::is_ascii_digit).collect();
    if digits.len() < 10 {
        return None;
    }
    let mut full = digits.clone();
    while full.len() < 14 {
        full.push('0');
    }
    let rest = v.get(digits.len()..)?;
    // Drop a fraction.
    let rest = rest
        .strip_prefix(['.', ','])
        .map(|r| r.trim_start_matches(|c: char| c.is_ascii_digit()))
        .unwrap_or(rest);
    let year: i32 = full.get(0..4)?.parse().ok()?;
    let month: u8 = full.get(4..6)?.parse().ok()?;
    let day: u8 = full.get(6..8)?.parse().ok()?;
    let hour: u8 = full.get(8..10)?.parse().ok()?;
    let minute: u8 = full.get(10..12)?.parse().ok()?;
    let second: u8 = full.get(12..14)?.parse().ok()?;
    let date =
        time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()?;
    let t = time::Time::from_hms(hour, minute, second.min(59)).ok()?;
    let mut dt = time::PrimitiveDateTime::new(date, t).assume_utc();
    if rest == "Z" {
    } else if let Some(sign) = rest.chars().next().filter(|c| *c == '+' || *c == '-') {
        let off = rest.get(1..)?;
        let hh: i64 = off.get(0..2)?.parse().ok()?;
        let mm: i64 = off.get(2..4).map(|m| m.parse().unwrap_or(0)).unwrap_or(0);
        let secs = hh * 3600 + mm * 60;
        dt -= time::Duration::seconds(if sign == '+' { secs } else { -secs });
    } else {
        return None;
    }
    Some(crate::dit::format_generalized_time(dt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substrings() {
        let p = |i: Option<&str>, a: &[&str], f: Option<&str>| Substrings {
            initial: i.map(String::from),
            any: a.iter().map(|s| s.to_string()).collect(),
            final_: f.map(String::from),
        };
        assert!(substring_match("zhang wei", &p(Some("zh"), &[], None)));
        assert!(substring_match("zhang wei", &p(None, &["ng"], Some("ei"))));
        assert!(!substring_match("abc", &p(Some("ab"), &[], Some("bc"))));
        assert!(substring_match("abcbc", &p(Some("ab"), &[], Some("bc"))));
    }

    #[test]
    fn times() {
        assert_eq!(
            normalize_time("20261125162500Z").as_deref(),
            Some("20261125162500Z")
        );
        assert_eq!(
            normalize_time("2026112516Z").as_deref(),
            Some("20261125160000Z")
        );
        assert_eq!(
            normalize_time("20261125162500.5+0800").as_deref(),
            Some("20261125082500Z")
        );
        assert_eq!(normalize_time("yesterday"), None);
    }
}
