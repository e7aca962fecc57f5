//! The attribute values of one entry as a write sees them, and the RFC 4511 semantics of
//! Add attributes and Modify operations on them. The kind-specific modules read the
//! result back into model fields.

use std::collections::{BTreeMap, BTreeSet};

use orgdir_domain::dn::{Ava, normalize_value};

pub(super) use crate::dit::MEMBER_CLASSES;
use crate::entry::{Entry, EntryId};
use crate::filter::Eval;
use crate::schema::{self, AttrId, ids};
use crate::snapshot::{Snapshot, Viewer, normalize};

use super::{Attribute, ModOp, Modification, WriteCode, WriteError, refuse};

/// The object classes an org entry may carry.
pub(super) const ORG_CLASSES: &[&str] = &["top", "organizationalUnit"];
/// The object classes a group entry may carry (`groupOfUniqueNames` is read as
/// `groupOfNames`, its `uniqueMember` as `member`).
pub(super) const GROUP_CLASSES: &[&str] =
    &["top", "groupOfNames", "groupOfUniqueNames", "posixGroup"];

/// Attribute values by type, in the order given, plus which types a request named.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct View {
    attrs: BTreeMap<AttrId, Vec<String>>,
    touched: BTreeSet<AttrId>,
}

impl View {
    /// Entry `id`'s current values as `viewer` reads them (references to entries it cannot
    /// see left out). Operational attributes are orgdir's and not part of it, except
    /// `pwdAccountLockedTime` (a member's disabled state); neither is `memberOf`.
    pub(super) fn current(snap: &Snapshot, viewer: &Viewer, id: EntryId) -> View {
        let vis = snap.visibility(viewer);
        let ev = Eval {
            snap,
            viewer,
            vis: vis.as_deref(),
        };
        match snap.entry(id) {
            Some(entry) => View::of_entry(&ev, id, entry),
            None => View::default(),
        }
    }

    fn of_entry(ev: &Eval<'_>, id: EntryId, entry: &Entry) -> View {
        let mut attrs = BTreeMap::new();
        for a in entry.attr_ids() {
            if (schema::attr(a).operational && a != *ids::PWD_LOCKED) || a == *ids::MEMBER_OF {
                continue;
            }
            attrs.insert(a, ev.values(id, entry, a));
        }
        View {
            attrs,
            touched: BTreeSet::new(),
        }
    }

    /// The attributes of an Add request (every one counts as named).
    pub(super) fn of_request(attrs: &[Attribute]) -> Result<View, WriteError> {
        let mut view = View::default();
        for a in attrs {
            let id = attr_of(&a.name)?;
            let (values, placeholders) = texts(id, a)?;
            if values.is_empty() && !placeholders {
                return refuse(
                    WriteCode::ProtocolError,
                    format!(
                        "{}: an attribute of an Add needs at least one value",
                        a.name
                    ),
                );
            }
            view.add_values(id, values)?;
            view.touched.insert(id);
        }
        Ok(view)
    }

    fn add_values(&mut self, id: AttrId, values: Vec<String>) -> Result<(), WriteError> {
        let at = schema::attr(id);
        let cur = self.attrs.entry(id).or_default();
        for v in values {
            if cur
                .iter()
                .any(|c| normalize(at.matching, c) == normalize(at.matching, &v))
            {
                return refuse(
                    WriteCode::AttributeOrValueExists,
                    format!("{}: value {v:?} is given twice or already present", at.name),
                );
            }
            cur.push(v);
        }
        if cur.is_empty() {
            self.attrs.remove(&id);
        }
        Ok(())
    }

    /// Applies one modification (RFC 4511 section 4.6).
    pub(super) fn apply(&mut self, m: &Modification) -> Result<(), WriteError> {
        let id = attr_of(&m.attr.name)?;
        let at = schema::attr(id);
        let (values, placeholders) = texts(id, &m.attr)?;
        let key = |v: &str| normalize(at.matching, v);
        match m.op {
            ModOp::Increment => {
                return refuse(
                    WriteCode::UnwillingToPerform,
                    format!("{}: modify-increment is not supported", at.name),
                );
            }
            ModOp::Add if values.is_empty() && placeholders => return Ok(()),
            ModOp::Add if values.is_empty() => {
                return refuse(
                    WriteCode::ProtocolError,
                    format!("{}: an add modification needs at least one value", at.name),
                );
            }
            ModOp::Add => self.add_values(id, values)?,
            ModOp::Delete if values.is_empty() && placeholders => return Ok(()),
            ModOp::Delete if values.is_empty() => {
                if self.attrs.remove(&id).is_none() {
                    return refuse(
                        WriteCode::NoSuchAttribute,
                        format!("{}: the entry has no such attribute", at.name),
                    );
                }
            }
            ModOp::Delete => {
                let cur = self.attrs.entry(id).or_default();
                for v in &values {
                    let Some(pos) = cur.iter().position(|c| key(c) == key(v)) else {
                        return refuse(
                            WriteCode::NoSuchAttribute,
                            format!("{}: the entry has no value {v:?}", at.name),
                        );
                    };
                    cur.remove(pos);
                }
                if cur.is_empty() {
                    self.attrs.remove(&id);
                }
            }
            ModOp::Replace => {
                self.attrs.remove(&id);
                self.add_values(id, values)?;
            }
        }
        self.touched.insert(id);
        Ok(())
    }

    /// The values of an attribute.
    pub(super) fn get(&self, id: AttrId) -> &[String] {
        self.attrs.get(&id).map(Vec::as_slice).unwrap_or_default()
    }

    /// The value of an attribute orgdir keeps once; constraintViolation if there are more.
    pub(super) fn one(&self, id: AttrId) -> Result<Option<&str>, WriteError> {
        match self.get(id) {
            [] => Ok(None),
            [v] => Ok(Some(v.as_str())),
            _ => refuse(
                WriteCode::ConstraintViolation,
                format!("{}: orgdir keeps one value", schema::attr(id).name),
            ),
        }
    }

    /// Like [`View::one`], with blank values read as absent (LDAP federation fills required
    /// attributes it has no value for with a space).
    pub(super) fn optional(&self, id: AttrId) -> Result<Option<String>, WriteError> {
        Ok(self
            .one(id)?
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(String::from))
    }

    /// Whether a request named this attribute.
    pub(super) fn touched(&self, id: AttrId) -> bool {
        self.touched.contains(&id)
    }

    /// The attributes with values.
    pub(super) fn present(&self) -> impl Iterator<Item = AttrId> + '_ {
        self.attrs.keys().copied()
    }

    /// Removes an attribute, returning its values.
    pub(super) fn take(&mut self, id: AttrId) -> Vec<String> {
        self.attrs.remove(&id).unwrap_or_default()
    }

    /// Whether an attribute has the same values (as a set, under its matching rule) in
    /// both views.
    pub(super) fn same(&self, other: &View, id: AttrId) -> bool {
        let m = schema::attr(id).matching;
        let set = |v: &View| -> BTreeSet<String> {
            v.get(id)
                .iter()
                .map(|x| match schema::object_class_name(x) {
                    Some(name) if id == *ids::OBJECT_CLASS => normalize(m, name),
                    _ => normalize(m, x),
                })
                .collect()
        };
        set(self) == set(other)
    }

    /// This view after `changes`, in order. The object classes are fixed, and so is the
    /// naming attribute `rdn` (`why` says how to rename instead).
    pub(super) fn modified<'a>(
        &self,
        changes: impl IntoIterator<Item = &'a Modification>,
        rdn: AttrId,
        why: &str,
    ) -> Result<View, WriteError> {
        let mut after = self.clone();
        for c in changes {
            after.apply(c)?;
        }
        if !after.same(self, *ids::OBJECT_CLASS) {
            return refuse(
                WriteCode::ObjectClassModsProhibited,
                "objectClass: the object classes of orgdir's entries are fixed",
            );
        }
        if !after.same(self, rdn) {
            return refuse(
                WriteCode::NotAllowedOnRdn,
                format!("{}: {why}", schema::attr(rdn).name),
            );
        }
        Ok(after)
    }

    /// Checks an Add's naming: the RDN's type is `attr` (`what` names the kind of entry,
    /// `value` what the RDN value stands for), and the entry's own `attr` values, if it
    /// sends any, are the RDN's value.
    pub(super) fn named(
        &self,
        rdn: &Ava,
        attr: AttrId,
        what: &str,
        value: &str,
    ) -> Result<(), WriteError> {
        let name = schema::attr(attr).name;
        if schema::lookup(&rdn.attr) != Some(attr) {
            return refuse(
                WriteCode::NamingViolation,
                format!("{what} is named {name}=<{value}>, not {}=…", rdn.attr),
            );
        }
        if !self
            .get(attr)
            .iter()
            .all(|v| normalize_value(v) == normalize_value(&rdn.value))
        {
            return refuse(
                WriteCode::NamingViolation,
                format!("{name}: {what} has one, the RDN's value {:?}", rdn.value),
            );
        }
        Ok(())
    }

    /// Refuses attributes outside `kept`: objectClassViolation when the entry's object
    /// classes do not allow them, unwillingToPerform when they do but orgdir does not keep
    /// them (`what` names the kind of entry, `classes` its object classes).
    pub(super) fn only(
        &self,
        kept: &[AttrId],
        what: &str,
        classes: &[&str],
    ) -> Result<(), WriteError> {
        let Some(extra) = self.present().find(|a| !kept.contains(a)) else {
            return Ok(());
        };
        let name = schema::attr(extra).name;
        let list: Vec<&str> = kept.iter().map(|a| schema::attr(*a).name).collect();
        if allowed_by(classes, name) {
            refuse(
                WriteCode::UnwillingToPerform,
                format!(
                    "{name}: orgdir does not keep this attribute on {what} (it keeps {})",
                    list.join(", ")
                ),
            )
        } else {
            refuse(
                WriteCode::ObjectClassViolation,
                format!(
                    "{name}: not allowed by the object classes of {what} ({})",
                    classes.join(", ")
                ),
            )
        }
    }
}

/// Whether an attribute is a MUST or MAY of one of `classes` or their superclasses.
fn allowed_by(classes: &[&str], attr: &str) -> bool {
    let mut todo: Vec<&str> = classes.to_vec();
    let mut seen: Vec<&str> = Vec::new();
    while let Some(c) = todo.pop() {
        if seen.contains(&c) {
            continue;
        }
        seen.push(c);
        if let Some(oc) = schema::OBJECT_CLASSES
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(c))
        {
            if oc
                .must
                .iter()
                .chain(oc.may)
                .any(|a| a.eq_ignore_ascii_case(attr))
            {
                return true;
            }
            if !oc.sup.is_empty() {
                todo.push(oc.sup);
            }
        }
    }
    false
}

/// Resolves the attribute description of a request. Refuses names outside orgdir's schema
/// and attributes orgdir maintains itself.
pub(super) fn attr_of(name: &str) -> Result<AttrId, WriteError> {
    if name.contains(';') {
        return refuse(
            WriteCode::UndefinedAttributeType,
            format!("{name}: attribute options are not supported"),
        );
    }
    let id = if name.eq_ignore_ascii_case("uniqueMember") || name == "2.5.4.50" {
        *ids::MEMBER
    } else {
        match schema::lookup(name) {
            Some(id) => id,
            None => {
                return refuse(
                    WriteCode::UndefinedAttributeType,
                    format!("{name}: no such attribute type in orgdir's schema"),
                );
            }
        }
    };
    let at = schema::attr(id);
    if at.operational && id != *ids::PWD_LOCKED {
        return refuse(
            WriteCode::ConstraintViolation,
            format!(
                "{}: no user modification allowed (orgdir maintains it)",
                at.name
            ),
        );
    }
    if id == *ids::MEMBER_OF {
        return refuse(
            WriteCode::ConstraintViolation,
            "memberOf: orgdir derives it from the groups' member values; change the group instead",
        );
    }
    Ok(id)
}

/// What LDAP federation (Keycloak) puts in `member` while a groupOfNames, which must have
/// a member, has none.
const MEMBER_PLACEHOLDER: &str = "cn=empty-membership-placeholder";

/// The values of a request attribute as text. Placeholders in `member` (the zero-length DN
/// and [`MEMBER_PLACEHOLDER`]: a groupOfNames must have a member, so clients fill an empty
/// one with a value that names none) are dropped, and the second result says whether any
/// was. A `uniqueMember` value's optional `#'…'B` UID is dropped too.
fn texts(id: AttrId, a: &Attribute) -> Result<(Vec<String>, bool), WriteError> {
    let mut out = Vec::with_capacity(a.values.len());
    let mut placeholders = false;
    for v in &a.values {
        let Ok(text) = std::str::from_utf8(v) else {
            return refuse(
                WriteCode::InvalidAttributeSyntax,
                format!("{}: values must be UTF-8 text", a.name),
            );
        };
        if id == *ids::MEMBER {
            let dn = text.split("#'").next().unwrap_or(text).trim();
            if dn.is_empty() || dn.eq_ignore_ascii_case(MEMBER_PLACEHOLDER) {
                placeholders = true;
            } else {
                out.push(dn.to_string());
            }
        } else {
            out.push(text.to_string());
        }
    }
    Ok((out, placeholders))
}

/// What an Add creates, by its object classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// A member.
    Member,
    /// An org.
    Org,
    /// A group.
    Group,
}

impl Kind {
    /// The kind an Add's object classes ask for; every class must fit it.
    pub(super) fn of(view: &View) -> Result<Kind, WriteError> {
        let classes: Vec<&str> = view
            .get(*ids::OBJECT_CLASS)
            .iter()
            .map(|c| schema::object_class_name(c.trim()).unwrap_or(c.trim()))
            .collect();
        let has = |c: &str| classes.iter().any(|x| x.eq_ignore_ascii_case(c));
        let (kind, allowed, what) = if [
            "person",
            "organizationalPerson",
            "inetOrgPerson",
            "posixAccount",
        ]
        .iter()
        .any(|c| has(c))
        {
            (Kind::Member, MEMBER_CLASSES, "a member")
        } else if has("organizationalUnit") {
            (Kind::Org, ORG_CLASSES, "an org")
        } else if ["groupOfNames", "groupOfUniqueNames", "posixGroup"]
            .iter()
            .any(|c| has(c))
        {
            (Kind::Group, GROUP_CLASSES, "a group")
        } else {
            let given = if classes.is_empty() {
                "no objectClass".to_string()
            } else {
                format!("object classes {}", classes.join(", "))
            };
            return refuse(
                WriteCode::ObjectClassViolation,
                format!(
                    "{given}: orgdir stores members (inetOrgPerson), orgs (organizationalUnit) and groups (groupOfNames, posixGroup)"
                ),
            );
        };
        if let Some(bad) = classes
            .iter()
            .find(|c| !allowed.iter().any(|a| a.eq_ignore_ascii_case(c)))
        {
            return refuse(
                WriteCode::ObjectClassViolation,
                format!(
                    "objectClass {bad}: not used for {what} in orgdir (it uses {})",
                    allowed.join(", ")
                ),
            );
        }
        Ok(kind)
    }
}
