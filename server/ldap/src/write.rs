//! LDAP writes on the wire: Add, Modify, Delete and ModifyDN requests are decoded into
//! [`orgdir_directory::ldapwrite`] requests, run as the bound identity, and their refusals
//! become result codes with the rule's text as diagnosticMessage.

use ldap3_proto::proto::*;
use orgdir_directory::ldapwrite::{
    self, Attribute, ModOp, Modification, WriteCode, WriteError, WriteRequest,
};
use orgdir_directory::service::Directory;

use crate::handler::{Session, ok, result};

/// A write request and the response PDU that answers it.
pub(crate) struct Write {
    req: WriteRequest,
    respond: fn(LdapResult) -> LdapOp,
}

fn attribute(a: LdapPartialAttribute) -> Attribute {
    Attribute {
        name: a.atype,
        values: a.vals,
    }
}

impl Write {
    /// An Add request.
    pub(crate) fn add(a: LdapAddRequest) -> Write {
        Write {
            req: WriteRequest::Add {
                dn: a.dn,
                attrs: a.attributes.into_iter().map(attribute).collect(),
            },
            respond: LdapOp::AddResponse,
        }
    }

    /// A Modify request.
    pub(crate) fn modify(m: LdapModifyRequest) -> Write {
        let changes = m
            .changes
            .into_iter()
            .map(|c| Modification {
                op: match c.operation {
                    LdapModifyType::Add => ModOp::Add,
                    LdapModifyType::Delete => ModOp::Delete,
                    LdapModifyType::Replace => ModOp::Replace,
                    LdapModifyType::Increment => ModOp::Increment,
                },
                attr: attribute(c.modification),
            })
            .collect();
        Write {
            req: WriteRequest::Modify { dn: m.dn, changes },
            respond: LdapOp::ModifyResponse,
        }
    }

    /// A Delete request.
    pub(crate) fn delete(dn: String) -> Write {
        Write {
            req: WriteRequest::Delete { dn },
            respond: LdapOp::DelResponse,
        }
    }

    /// A ModifyDN request.
    pub(crate) fn modify_dn(r: LdapModifyDNRequest) -> Write {
        Write {
            req: WriteRequest::ModifyDn {
                dn: r.dn,
                new_rdn: r.newrdn,
                delete_old_rdn: r.deleteoldrdn,
                new_superior: r.new_superior,
            },
            respond: LdapOp::ModifyDNResponse,
        }
    }

    /// Runs the write as the session's identity; anonymous sessions write nothing.
    pub(crate) async fn run(self, dir: &Directory, session: &Session, id: i32) -> LdapMsg {
        let res = match &session.principal {
            None => result(
                LdapResultCode::InsufficentAccessRights,
                "anonymous access is not allowed: bind first",
            ),
            Some(who) => {
                let source = format!("{} {}", session.source(), self.req.dn());
                match ldapwrite::write(dir, who, &source, &self.req).await {
                    Ok(()) => ok(),
                    Err(e) => refusal(e),
                }
            }
        };
        LdapMsg::new(id, (self.respond)(res))
    }
}

/// The LDAP result of a refused write.
fn refusal(e: WriteError) -> LdapResult {
    let code = match e.code {
        WriteCode::ProtocolError => LdapResultCode::ProtocolError,
        WriteCode::AdminLimitExceeded => LdapResultCode::AdminLimitExceeded,
        WriteCode::NoSuchAttribute => LdapResultCode::NoSuchAttribute,
        WriteCode::UndefinedAttributeType => LdapResultCode::UndefinedAttributeType,
        WriteCode::ConstraintViolation => LdapResultCode::ConstraintViolation,
        WriteCode::AttributeOrValueExists => LdapResultCode::AttributeOrValueExists,
        WriteCode::InvalidAttributeSyntax => LdapResultCode::InvalidAttributeSyntax,
        WriteCode::NoSuchObject => LdapResultCode::NoSuchObject,
        WriteCode::InvalidDnSyntax => LdapResultCode::InvalidDNSyntax,
        WriteCode::InsufficientAccess => LdapResultCode::InsufficentAccessRights,
        WriteCode::UnwillingToPerform => LdapResultCode::UnwillingToPerform,
        WriteCode::NamingViolation => LdapResultCode::NamingViolation,
        WriteCode::ObjectClassViolation => LdapResultCode::ObjectClassViolation,
        WriteCode::NotAllowedOnNonLeaf => LdapResultCode::NotAllowedOnNonLeaf,
        WriteCode::NotAllowedOnRdn => LdapResultCode::NotALlowedOnRDN,
        WriteCode::EntryAlreadyExists => LdapResultCode::EntryAlreadyExists,
        WriteCode::ObjectClassModsProhibited => LdapResultCode::ObjectClassModsProhibited,
        WriteCode::Other => LdapResultCode::Other,
    };
    let mut r = result(code, e.message);
    r.matcheddn = e.matched;
    r
}
