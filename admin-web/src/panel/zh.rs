//! Refusals of the directory in Chinese, for pages shown in zh-CN.
//!
//! The domain's errors are structured (which limit and its value, which field, what was not
//! found); their English `Display` is what the API and logs use. This renders the same
//! structure in Chinese. Free-text parts the domain builds in English (a conflict's
//! explanation, a field's format rule) are kept, after a Chinese sentence that says what
//! kind of refusal it is, so nothing the administrator needs is lost.

use orgdir_directory::service::DirError;
use orgdir_domain::error::RuleError;

/// The Chinese text of a refusal, or `None` for errors the panel shows generically.
pub fn refusal(e: &DirError) -> Option<String> {
    match e {
        DirError::Rule(r) => Some(rule(r)),
        DirError::Denied(d) => Some(format!(
            "权限不足：您的角色或管理范围不允许此操作（{}）",
            d.0
        )),
        DirError::WeakPassword(w) => Some(format!("密码不符合要求：{w}")),
        _ => None,
    }
}

fn rule(r: &RuleError) -> String {
    match r {
        RuleError::Limit { limit, max, .. } => match *limit {
            "max_root_orgs" => format!("已达上限：根部门下最多 {max} 个直属部门。"),
            "max_members_per_org" => format!("已达上限：一个部门最多 {max} 名直属成员。"),
            "max_scope_orgs" => format!("已达上限：管理范围最多 {max} 个部门。"),
            "max_org_depth" => format!("已达上限：组织架构最多 {max} 层。"),
            "max_groups" => format!("已达上限：企业最多 {max} 个群组。"),
            "max_custom_roles" => format!("已达上限：企业最多 {max} 个自定义角色。"),
            "seats" => format!("已达上限：企业购买的席位为 {max} 个，成员数不能超过席位数。"),
            "account_range" => "账号超出企业的账号区间。".to_string(),
            other => format!("已达上限：{other} = {max}。"),
        },
        RuleError::NotFound(what) => format!("未找到：{what}"),
        RuleError::AlreadyExists(what) => format!("已存在：{what}"),
        RuleError::Invalid { field, reason } => {
            format!("「{}」的值无效：{reason}", field_name(field))
        }
        RuleError::Conflict(why) => format!("无法执行，与当前状态冲突：{why}"),
    }
}

/// The Chinese label of a field the domain validates.
fn field_name(field: &str) -> &str {
    match field {
        "name" => "名称",
        "surname" => "姓",
        "given_name" => "名",
        "mobile" => "手机",
        "email" => "邮箱",
        "title" => "职务",
        "employee_number" => "工号",
        "account" => "账号",
        "role" => "角色",
        "scope" => "管理范围",
        "org" => "部门",
        "org name" => "部门名称",
        "role name" => "角色名称",
        "description" => "描述",
        "password" => "密码",
        "account_range" => "账号区间",
        "seats" => "席位",
        "login_shell" => "登录 Shell",
        "home_directory" => "主目录",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orgdir_domain::error::Denied;

    #[test]
    fn limits_fields_and_denials_read_in_chinese() {
        let limit = DirError::Rule(RuleError::Limit {
            limit: "max_members_per_org",
            max: 160,
            what: "org \"Sales\" already holds 160 members".into(),
        });
        assert_eq!(
            refusal(&limit).as_deref(),
            Some("已达上限：一个部门最多 160 名直属成员。")
        );
        let invalid = DirError::Rule(RuleError::Invalid {
            field: "email",
            reason: "not an address".into(),
        });
        assert_eq!(
            refusal(&invalid).as_deref(),
            Some("「邮箱」的值无效：not an address")
        );
        let denied = DirError::Denied(Denied("outside the management scope".into()));
        assert!(refusal(&denied).is_some_and(|t| t.starts_with("权限不足")));
        assert_eq!(refusal(&DirError::Internal("x".into())), None);
    }
}
