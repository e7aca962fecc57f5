//! The columns of the import/export sheet: header names (English and Chinese), whether a
//! value is required, and the rule text shown in the template's header comments (IMP-1).

/// One column of the member sheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    /// Org path below the root, names separated by `/` (`R&D/Platform/Storage`).
    OrgPath,
    /// Account: matches existing members.
    Account,
    /// Full name.
    Name,
    /// Mobile.
    Mobile,
    /// Mail address.
    Email,
    /// Job title.
    Title,
    /// Role, by name.
    Role,
    /// Management scope: org paths separated by `;`.
    Scope,
    /// Hidden (ORG-9).
    Hidden,
    /// Disabled (ORG-6).
    Disabled,
}

/// Header language of a produced file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    /// English headers and comments.
    #[default]
    En,
    /// Chinese headers and comments.
    Zh,
}

impl Column {
    /// Every column, in sheet order.
    pub const ALL: [Column; 10] = [
        Column::OrgPath,
        Column::Account,
        Column::Name,
        Column::Mobile,
        Column::Email,
        Column::Title,
        Column::Role,
        Column::Scope,
        Column::Hidden,
        Column::Disabled,
    ];

    /// English header.
    pub fn en(self) -> &'static str {
        match self {
            Column::OrgPath => "org path",
            Column::Account => "account",
            Column::Name => "name",
            Column::Mobile => "mobile",
            Column::Email => "email",
            Column::Title => "title",
            Column::Role => "role",
            Column::Scope => "scope orgs",
            Column::Hidden => "hidden",
            Column::Disabled => "disabled",
        }
    }

    /// Chinese header.
    pub fn zh(self) -> &'static str {
        match self {
            Column::OrgPath => "部门路径",
            Column::Account => "帐号",
            Column::Name => "姓名",
            Column::Mobile => "手机",
            Column::Email => "邮箱",
            Column::Title => "职位",
            Column::Role => "角色",
            Column::Scope => "管理范围",
            Column::Hidden => "隐藏",
            Column::Disabled => "禁用",
        }
    }

    /// The header in `lang`.
    pub fn header(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en(),
            Lang::Zh => self.zh(),
        }
    }

    /// Whether every row must give a value.
    pub fn required(self) -> bool {
        matches!(
            self,
            Column::OrgPath | Column::Account | Column::Name | Column::Role
        )
    }

    /// The rule, for the header comment.
    pub fn rule(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Column::OrgPath, Lang::En) => {
                "Required. Org names below the root separated by '/', e.g. R&D/Platform/Storage; '/' alone is the root org. Missing orgs are created. Each name 1-64 characters; write \\/ for a '/' inside a name."
            }
            (Column::OrgPath, Lang::Zh) => {
                "必填。根部门以下的部门名称，用 '/' 分隔，例如 研发/平台/存储；单独的 '/' 表示根部门。不存在的部门会被创建。每个名称 1-64 个字符；名称中的 '/' 写作 \\/。"
            }
            (Column::Account, Lang::En) => {
                "Required. 1-64 of letters, digits, '.', '_', '-', starting with a letter or digit; a number must lie in the enterprise's account range. An existing account updates that member."
            }
            (Column::Account, Lang::Zh) => {
                "必填。1-64 个字母、数字、'.'、'_'、'-'，以字母或数字开头；数字帐号须在企业帐号段内。已存在的帐号将更新该成员。"
            }
            (Column::Name, Lang::En) => "Required. 1-64 characters.",
            (Column::Name, Lang::Zh) => "必填。1-64 个字符。",
            (Column::Mobile, Lang::En) => {
                "Optional. Digits, optionally starting with '+', spaces and '-' allowed, at most 20 characters. Empty clears it."
            }
            (Column::Mobile, Lang::Zh) => {
                "选填。数字，可以 '+' 开头，可含空格和 '-'，最多 20 个字符。留空则清除。"
            }
            (Column::Email, Lang::En) => {
                "Optional. A mail address (name@example.com), at most 254 characters. Empty clears it."
            }
            (Column::Email, Lang::Zh) => {
                "选填。邮箱地址（name@example.com），最多 254 个字符。留空则清除。"
            }
            (Column::Title, Lang::En) => "Optional. At most 128 characters. Empty clears it.",
            (Column::Title, Lang::Zh) => "选填。最多 128 个字符。留空则清除。",
            (Column::Role, Lang::En) => {
                "Required. The name of a role of the enterprise (see the Roles sheet); the enterprise administrator role cannot be given."
            }
            (Column::Role, Lang::Zh) => {
                "必填。企业的角色名称（见“角色”工作表）；不能指定企业管理员角色。"
            }
            (Column::Scope, Lang::En) => {
                "Optional. Up to 3 org paths separated by ';' (written like the org path). Empty means the whole enterprise."
            }
            (Column::Scope, Lang::Zh) => {
                "选填。最多 3 个部门路径，用 ';' 分隔（写法同部门路径）。留空表示整个企业。"
            }
            (Column::Hidden, Lang::En) => {
                "Optional. yes or no (also true/false, 1/0, 是/否). Empty means no."
            }
            (Column::Hidden, Lang::Zh) => {
                "选填。是 或 否（也可 yes/no、true/false、1/0）。留空为否。"
            }
            (Column::Disabled, Lang::En) => {
                "Optional. yes or no (also true/false, 1/0, 是/否). Empty means no."
            }
            (Column::Disabled, Lang::Zh) => {
                "选填。是 或 否（也可 yes/no、true/false、1/0）。留空为否。"
            }
        }
    }

    /// The column a header names: trimmed, case-insensitive, English or Chinese; a
    /// trailing `*` (a "required" mark) is ignored.
    pub fn from_header(header: &str) -> Option<Column> {
        let h = header.trim().trim_end_matches('*').trim();
        Column::ALL
            .into_iter()
            .find(|c| c.en().eq_ignore_ascii_case(h) || c.zh() == h)
    }
}
