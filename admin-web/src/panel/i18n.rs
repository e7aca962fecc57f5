//! The panel's two languages: every visible string comes from one table per language (a
//! struct, so a string missing in one language does not compile).
//!
//! The language is the `lang` cookie when it names one (set by the switch link), else the
//! best of `Accept-Language`, else English.

use axum::http::{HeaderMap, header};

/// Name of the cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "lang";

/// A panel language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Simplified Chinese (zh-CN).
    Zh,
}

impl Lang {
    /// The cookie / query value.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// The `lang` attribute of the HTML element.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    /// Parses a cookie / query value.
    pub fn from_code(s: &str) -> Option<Lang> {
        match s {
            "en" => Some(Lang::En),
            "zh" => Some(Lang::Zh),
            _ => None,
        }
    }

    /// The other language (the switch link's target).
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Zh,
            Lang::Zh => Lang::En,
        }
    }

    /// The strings of this language.
    pub fn tr(self) -> &'static Tr {
        match self {
            Lang::En => &EN,
            Lang::Zh => &ZH,
        }
    }

    /// The language of a request: the `lang` cookie, else `Accept-Language`, else English.
    pub fn of_request(headers: &HeaderMap) -> Lang {
        let cookie = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == LANG_COOKIE)
            .and_then(|(_, v)| Lang::from_code(v.trim()));
        if let Some(l) = cookie {
            return l;
        }
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(from_accept_language)
            .unwrap_or(Lang::En)
    }
}

/// The supported language with the highest quality in an `Accept-Language` value (the
/// first on ties).
fn from_accept_language(value: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or_default();
        let lang = match primary {
            "zh" => Lang::Zh,
            "en" => Lang::En,
            _ => continue,
        };
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l)
}

/// Every visible string of the panel.
#[derive(Debug)]
pub struct Tr {
    pub product: &'static str,
    pub switch_to: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub enterprise_number: &'static str,
    pub account: &'static str,
    pub account_hint: &'static str,
    pub password: &'static str,
    pub bad_credentials: &'static str,
    pub unavailable: &'static str,
    pub login_expired: &'static str,
    pub nav_home: &'static str,
    pub nav_orgs: &'static str,
    pub nav_search: &'static str,
    pub nav_roles: &'static str,
    pub nav_audit: &'static str,
    pub nav_tokens: &'static str,
    /// Menu: plugins.
    pub nav_plugins: &'static str,
    pub nav_account: &'static str,
    pub nav_password: &'static str,
    pub signed_in_as: &'static str,
    pub home_title: &'static str,
    pub short_name: &'static str,
    pub naming_context: &'static str,
    pub sms_balance: &'static str,
    pub verified_domain: &'static str,
    pub not_verified: &'static str,
    pub expiry: &'static str,
    pub none: &'static str,
    pub members_seats: &'static str,
    pub first_steps: &'static str,
    pub step_contact: &'static str,
    pub step_recovery: &'static str,
    pub step_orgs: &'static str,
    pub step_members: &'static str,
    pub step_domain: &'static str,
    pub done: &'static str,
    pub todo: &'static str,
    pub orgs_title: &'static str,
    pub org_tree: &'static str,
    pub members_of: &'static str,
    pub no_members: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub role: &'static str,
    pub status: &'static str,
    pub actions: &'static str,
    pub hidden: &'static str,
    pub disabled: &'static str,
    pub hide: &'static str,
    pub unhide: &'static str,
    pub disable: &'static str,
    pub enable: &'static str,
    pub add_child_org: &'static str,
    pub org_name: &'static str,
    pub add: &'static str,
    pub add_member: &'static str,
    pub initial_password: &'static str,
    pub optional: &'static str,
    pub no_org: &'static str,
    pub failed: &'static str,
    pub csrf_refused: &'static str,
    pub not_found: &'static str,
    pub saved: &'static str,
}

/// English.
pub static EN: Tr = Tr {
    product: "orgdir account center",
    switch_to: "中文",
    sign_in: "Sign in",
    sign_out: "Sign out",
    enterprise_number: "Enterprise number",
    account: "Account",
    account_hint: "leave empty for the enterprise administrator",
    password: "Password",
    bad_credentials: "Wrong enterprise number, account or password.",
    unavailable: "The server cannot verify credentials right now. Try again later.",
    login_expired: "This sign-in form has expired or was not opened in this browser. Please sign in again.",
    nav_home: "Home",
    nav_orgs: "Organization",
    nav_search: "Search",
    nav_roles: "Roles",
    nav_audit: "Audit log",
    nav_tokens: "API tokens",
    nav_plugins: "Plugins",
    nav_account: "Enterprise account",
    nav_password: "Password",
    signed_in_as: "Signed in as",
    home_title: "Home",
    short_name: "Short name",
    naming_context: "Naming context",
    sms_balance: "SMS balance",
    verified_domain: "Verified domain",
    not_verified: "not verified",
    expiry: "Expires",
    none: "none",
    members_seats: "Members / seats",
    first_steps: "First steps",
    step_contact: "Set the contact person",
    step_recovery: "Set the recovery email",
    step_orgs: "Add orgs",
    step_members: "Add members",
    step_domain: "Verify a domain",
    done: "done",
    todo: "to do",
    orgs_title: "Organization",
    org_tree: "Org tree",
    members_of: "Members of",
    no_members: "No members here.",
    name: "Name",
    email: "Email",
    role: "Role",
    status: "Status",
    actions: "Actions",
    hidden: "hidden",
    disabled: "disabled",
    hide: "Hide",
    unhide: "Unhide",
    disable: "Disable",
    enable: "Enable",
    add_child_org: "Add a child org",
    org_name: "Org name",
    add: "Add",
    add_member: "Add a member",
    initial_password: "Initial password",
    optional: "optional",
    no_org: "You cannot see any org.",
    failed: "Not done:",
    csrf_refused: "The form was refused (missing or wrong security token). Reload the page and try again.",
    not_found: "Not found.",
    saved: "Saved.",
};

/// Simplified Chinese.
pub static ZH: Tr = Tr {
    product: "orgdir 账号中心",
    switch_to: "English",
    sign_in: "登录",
    sign_out: "退出",
    enterprise_number: "企业号",
    account: "账号",
    account_hint: "企业管理员请留空",
    password: "密码",
    bad_credentials: "企业号、账号或密码错误。",
    unavailable: "服务器暂时无法验证身份，请稍后再试。",
    login_expired: "登录表单已过期或并非在本浏览器中打开，请重新登录。",
    nav_home: "首页",
    nav_orgs: "组织架构",
    nav_search: "搜索成员",
    nav_roles: "角色权限",
    nav_audit: "操作日志",
    nav_tokens: "API 令牌",
    nav_plugins: "插件",
    nav_account: "企业账号",
    nav_password: "修改密码",
    signed_in_as: "当前用户",
    home_title: "首页",
    short_name: "企业简称",
    naming_context: "命名上下文",
    sms_balance: "短信余额",
    verified_domain: "已验证域名",
    not_verified: "未验证",
    expiry: "到期时间",
    none: "无",
    members_seats: "成员数 / 席位",
    first_steps: "新手任务",
    step_contact: "设置联系人",
    step_recovery: "设置找回邮箱",
    step_orgs: "添加部门",
    step_members: "添加成员",
    step_domain: "验证域名",
    done: "已完成",
    todo: "未完成",
    orgs_title: "组织架构",
    org_tree: "部门树",
    members_of: "部门成员：",
    no_members: "此部门暂无成员。",
    name: "姓名",
    email: "邮箱",
    role: "角色",
    status: "状态",
    actions: "操作",
    hidden: "已隐藏",
    disabled: "已禁用",
    hide: "隐藏",
    unhide: "取消隐藏",
    disable: "禁用",
    enable: "启用",
    add_child_org: "添加子部门",
    org_name: "部门名称",
    add: "添加",
    add_member: "添加成员",
    initial_password: "初始密码",
    optional: "可选",
    no_org: "您无权查看任何部门。",
    failed: "操作未完成：",
    csrf_refused: "表单被拒绝（安全令牌缺失或错误）。请刷新页面后重试。",
    not_found: "未找到。",
    saved: "已保存。",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_supported() {
        assert_eq!(
            from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"),
            Some(Lang::Zh)
        );
        assert_eq!(from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            from_accept_language("fr, en;q=0.5, zh;q=0.7"),
            Some(Lang::Zh)
        );
        assert_eq!(from_accept_language("fr, de"), None);
        assert_eq!(from_accept_language("zh;q=0, en;q=0.1"), Some(Lang::En));
    }

    #[test]
    fn cookie_wins_over_accept_language() {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, "zh-CN".parse().unwrap());
        assert_eq!(Lang::of_request(&h), Lang::Zh);
        h.insert(header::COOKIE, "a=b; lang=en".parse().unwrap());
        assert_eq!(Lang::of_request(&h), Lang::En);
        h.insert(header::COOKIE, "lang=xx".parse().unwrap());
        assert_eq!(Lang::of_request(&h), Lang::Zh);
        assert_eq!(Lang::of_request(&HeaderMap::new()), Lang::En);
    }
}
