//! HTML helpers for plugin pages (the panel's own pages use the same escaping).

/// Escapes text for HTML element content and double- or single-quoted attribute values:
/// `& < > " '`. Everything a page shows that came from a person or a file goes through it.
///
/// ```
/// assert_eq!(orgdir_plugin_api::html::escape(r#"<a href="x">'&'</a>"#),
///            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
/// ```
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
