//! HTML building without a template engine: [`esc`] for every value, [`page`] for the frame
//! and the response headers (no caching, no framing, a strict content security policy).

use std::fmt::Write as _;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::i18n::Lang;

/// Escapes text for HTML element content and double- or single-quoted attribute values (one
/// helper for the panel and the plugins' pages).
pub use orgdir_plugin_api::html::escape as esc;

/// Percent-encodes a query value.
pub fn url_enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The stylesheet (served at `/panel/panel.css`).
pub const CSS: &str = "body{font-family:system-ui,'PingFang SC','Noto Sans CJK SC','Microsoft YaHei','WenQuanYi Micro Hei',sans-serif;margin:0;color:#222}\
header{background:#1f4e79;color:#fff;padding:.6em 1em;display:flex;gap:1em;align-items:center}\
header a{color:#fff}header nav{display:flex;gap:1em}header nav a[aria-current]{font-weight:bold;text-decoration:none}header .grow{flex:1}header form{margin:0}\
main{padding:1em;max-width:70em}\
.msg{padding:.5em 1em;border-radius:4px;margin:.5em 0}.err{background:#fde2e2;color:#8a1111}.ok{background:#e2f5e2}\
.badge{font-size:.8em;padding:0 .4em;border-radius:3px;background:#eee;margin-left:.3em}\
.badge.hidden{background:#e8e0f5}.badge.disabled{background:#f5dede}\
table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left}\
.cols{display:flex;gap:2em;align-items:flex-start}.tree{min-width:14em}\
.tree a.sel{font-weight:bold}form.inline{display:inline}\
fieldset{margin:1em 0;border:1px solid #ccc}label{display:block;margin:.3em 0}\
dl{display:grid;grid-template-columns:max-content auto;gap:.3em 1em}dd{margin:0}\
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}\
button.danger{background:#a11;color:#fff;border:1px solid #700}\
.tree ul{list-style:none;padding-left:1em}.tree summary{cursor:pointer}.pager a{margin-right:1em}";

/// What the frame needs to know about the signed-in caller.
#[derive(Debug)]
pub struct Chrome<'a> {
    /// Who is signed in (display text).
    pub who: String,
    /// The session's CSRF token (for the sign-out form).
    pub csrf: &'a str,
    /// The menu: (path, label), only what the caller's permissions open (LOGIN-2).
    pub menu: Vec<(&'static str, &'static str)>,
    /// The plugins' menu entries (path, label), after the core's.
    pub extra: Vec<(String, &'static str)>,
}

/// A complete page: the header (navigation, language switch, sign-out), then `body`.
/// `here` is the page's own path and query (the language switch returns to it).
pub fn page(
    status: StatusCode,
    lang: Lang,
    title: &str,
    chrome: Option<&Chrome<'_>>,
    here: &str,
    body: &str,
) -> Response {
    let t = lang.tr();
    let mut h = String::with_capacity(body.len() + 2048);
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} – {}</title><link rel=\"stylesheet\" href=\"/panel/panel.css\"></head><body><header>\
         <strong>{}</strong>",
        lang.html_lang(),
        esc(title),
        esc(t.product),
        esc(t.product),
    );
    if let Some(c) = chrome {
        h.push_str("<nav id=\"menu\">");
        let extra = c.extra.iter().map(|(p, l)| (p.as_str(), *l));
        for (path, label) in c.menu.iter().copied().chain(extra) {
            let current = if here == path || here.starts_with(&format!("{path}?")) {
                " aria-current=\"page\""
            } else {
                ""
            };
            let _ = write!(h, "<a href=\"{path}\"{current}>{}</a>", esc(label));
        }
        h.push_str("</nav>");
    }
    h.push_str("<span class=\"grow\"></span>");
    let _ = write!(
        h,
        "<a id=\"lang-switch\" href=\"/panel/lang?set={}&amp;back={}\">{}</a>",
        lang.other().code(),
        esc(&url_enc(here)),
        esc(t.switch_to)
    );
    if let Some(c) = chrome {
        let _ = write!(
            h,
            "<span>{} {}</span><form method=\"post\" action=\"/panel/signout\">\
             <input type=\"hidden\" name=\"csrf_token\" value=\"{}\">\
             <button type=\"submit\">{}</button></form>",
            esc(t.signed_in_as),
            esc(&c.who),
            esc(c.csrf),
            esc(t.sign_out)
        );
    }
    let _ = write!(
        h,
        "</header><main><h1>{}</h1>{}</main></body></html>",
        esc(title),
        body
    );
    let mut resp = (status, h).into_response();
    let headers = resp.headers_mut();
    for (k, v) in [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    ] {
        headers.insert(k, HeaderValue::from_static(v));
    }
    resp
}

/// A message box (error or success), escaped.
pub fn message(ok: bool, text: &str) -> String {
    format!(
        "<p class=\"msg {}\" role=\"{}\">{}</p>",
        if ok { "ok" } else { "err" },
        if ok { "status" } else { "alert" },
        esc(text)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            esc(r#"<script>alert("x&y")</script> 'q' 张伟"#),
            "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt; &#39;q&#39; 张伟"
        );
        assert_eq!(esc("plain"), "plain");
    }

    #[test]
    fn url_encoding() {
        assert_eq!(
            url_enc("/panel/orgs?org=3&x=<"),
            "/panel/orgs%3Forg%3D3%26x%3D%3C"
        );
        assert_eq!(url_enc("张"), "%E5%BC%A0");
    }
}
