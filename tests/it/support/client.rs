//! A browser-like HTTP client: keeps cookies, does not follow redirects.

use reqwest::header::HeaderMap;
use reqwest::redirect::Policy;

use super::html::{Form, Html};

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
}

/// One extra request header.
pub type Header<'a> = (&'a str, &'a str);

impl Client {
    /// A client for the server at `base` (`http://127.0.0.1:PORT`).
    pub fn new(base: &str) -> Client {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let http = match reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
        {
            Ok(c) => c,
            Err(e) => panic!("cannot build the HTTP client: {e}"),
        };
        Client {
            http,
            base: base.trim_end_matches('/').to_owned(),
            jar,
        }
    }

    /// The same browser (cookies shared) talking to a server at another
    /// address, e.g. the binary restarted on a new port.
    pub fn rebased(&self, base: &str) -> Client {
        Client {
            http: self.http.clone(),
            base: base.trim_end_matches('/').to_owned(),
            jar: self.jar.clone(),
        }
    }

    /// The `Cookie` header this browser sends to its server (for requests
    /// written by hand on a raw connection).
    pub fn cookie_header(&self) -> String {
        use reqwest::cookie::CookieStore;
        let url = match reqwest::Url::parse(&self.base) {
            Ok(u) => u,
            Err(e) => panic!("base url {}: {e}", self.base),
        };
        self.jar
            .cookies(&url)
            .and_then(|v| v.to_str().ok().map(str::to_owned))
            .unwrap_or_default()
    }

    /// `/path` → absolute URL; absolute URLs (links from e-mails) pass.
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else if path.starts_with('/') {
            format!("{}{}", self.base, path)
        } else {
            format!("{}/{}", self.base, path)
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        self.get_with(path, &[]).await
    }

    /// GETs `path` and returns status, headers and the body's raw bytes
    /// (binary downloads; `Page::body` is text).
    pub async fn get_bytes(&self, path: &str) -> (u16, HeaderMap, Vec<u8>) {
        let url = self.url(path);
        let res = match self.http.get(&url).send().await {
            Ok(r) => r,
            Err(e) => panic!("GET {url} failed: {e}"),
        };
        let (status, headers) = (res.status().as_u16(), res.headers().clone());
        match res.bytes().await {
            Ok(b) => (status, headers, b.to_vec()),
            Err(e) => panic!("GET {url}: cannot read the body: {e}"),
        }
    }

    /// GETs `path` with a long timeout, reading the body chunk by chunk
    /// without keeping it; returns status and body length.
    pub async fn get_discarding(&self, path: &str) -> (u16, u64) {
        let url = self.url(path);
        let mut res = match self
            .http
            .get(&url)
            .timeout(std::time::Duration::from_secs(600))
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => panic!("GET {url} failed: {e}"),
        };
        let status = res.status().as_u16();
        let mut len = 0u64;
        loop {
            match res.chunk().await {
                Ok(Some(c)) => len += c.len() as u64,
                Ok(None) => break,
                Err(e) => panic!("GET {url}: body cut off after {len} bytes: {e}"),
            }
        }
        (status, len)
    }

    pub async fn get_with(&self, path: &str, headers: &[Header<'_>]) -> Page {
        let url = self.url(path);
        let mut req = self.http.get(&url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Page::from_response(&url, "GET", req.send().await).await
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.post_form_with(path, fields, &[]).await
    }

    pub async fn post_form_with(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[Header<'_>],
    ) -> Page {
        let owned: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.post_pairs(path, &owned, headers).await
    }

    /// Posts `application/x-www-form-urlencoded` pairs (order kept).
    pub async fn post_pairs(
        &self,
        path: &str,
        fields: &[(String, String)],
        headers: &[Header<'_>],
    ) -> Page {
        let url = self.url(path);
        let mut req = self.http.post(&url).form(fields);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Page::from_response(&url, "POST", req.send().await).await
    }

    /// A GET whose failure is an `Err` instead of a panic: (status, body).
    pub async fn try_get(&self, path: &str) -> Result<(u16, String), String> {
        let res = self
            .http
            .get(self.url(path))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = res.status().as_u16();
        Ok((status, res.text().await.map_err(|e| e.to_string())?))
    }

    /// Like [`Client::post_pairs`], but a failed request (server killed,
    /// connection reset) is an `Err` instead of a panic: (status, Location).
    pub async fn try_post_pairs(
        &self,
        path: &str,
        fields: &[(String, String)],
    ) -> Result<(u16, Option<String>), String> {
        status_and_location(self.http.post(self.url(path)).form(fields)).await
    }

    /// Like [`Client::post_multipart`], but a failed request is an `Err`
    /// instead of a panic: (status, Location).
    pub async fn try_post_multipart(
        &self,
        path: &str,
        form: reqwest::multipart::Form,
    ) -> Result<(u16, Option<String>), String> {
        status_and_location(self.http.post(self.url(path)).multipart(form)).await
    }

    /// Posts `body` as it is, with the given content type.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        let url = self.url(path);
        let req = self
            .http
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        Page::from_response(&url, "POST", req.send().await).await
    }

    /// Posts `multipart/form-data`.
    pub async fn post_multipart(&self, path: &str, form: reqwest::multipart::Form) -> Page {
        let url = self.url(path);
        let req = self.http.post(&url).multipart(form);
        Page::from_response(&url, "POST", req.send().await).await
    }

    /// GETs the `Location` of a redirect.
    #[track_caller]
    pub fn follow<'a>(&'a self, page: &Page) -> impl std::future::Future<Output = Page> + 'a {
        let location = match &page.location {
            Some(l) => l.clone(),
            None => panic!(
                "{}: {} {} is no redirect (status {})",
                std::panic::Location::caller(),
                page.method,
                page.url,
                page.status
            ),
        };
        async move { self.get(&location).await }
    }
}

/// A response, read completely.
#[derive(Clone, Debug)]
pub struct Page {
    pub method: &'static str,
    pub url: String,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
    pub location: Option<String>,
}

impl Page {
    async fn from_response(
        url: &str,
        method: &'static str,
        res: reqwest::Result<reqwest::Response>,
    ) -> Page {
        let res = match res {
            Ok(r) => r,
            Err(e) => panic!("{method} {url} failed: {e}"),
        };
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let location = headers
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = match res.text().await {
            Ok(b) => b,
            Err(e) => panic!("{method} {url}: cannot read the body: {e}"),
        };
        Page {
            method,
            url: url.to_owned(),
            status,
            headers,
            body,
            location,
        }
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Every value of a header (e.g. `set-cookie`).
    pub fn header_all(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    fn describe(&self) -> String {
        const MAX: usize = 3000;
        let body = if self.body.len() > MAX {
            let mut end = MAX;
            while !self.body.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}…", &self.body[..end])
        } else {
            self.body.clone()
        };
        format!(
            "{} {} → {} (location {:?})\n--- body ---\n{body}",
            self.method, self.url, self.status, self.location
        )
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(
            self.status,
            status,
            "unexpected status; {}",
            self.describe()
        );
        self
    }

    /// Asserts a redirect (303/302/307) whose `Location` starts with `prefix`.
    #[track_caller]
    pub fn assert_redirect(&self, prefix: &str) -> &Self {
        assert!(
            matches!(self.status, 301 | 302 | 303 | 307 | 308),
            "expected a redirect to {prefix}; {}",
            self.describe()
        );
        let location = self.location.as_deref().unwrap_or("");
        let path = location
            .strip_prefix("http://")
            .and_then(|rest| rest.find('/').map(|i| &rest[i..]))
            .unwrap_or(location);
        assert!(
            location.starts_with(prefix) || path.starts_with(prefix),
            "redirect goes to {location:?}, expected {prefix:?}; {}",
            self.describe()
        );
        self
    }

    #[track_caller]
    pub fn assert_contains(&self, text: &str) -> &Self {
        assert!(
            self.body.contains(text) || self.text().contains(text),
            "page does not contain {text:?}; {}",
            self.describe()
        );
        self
    }

    #[track_caller]
    pub fn assert_not_contains(&self, text: &str) -> &Self {
        assert!(
            !self.body.contains(text) && !self.text().contains(text),
            "page contains {text:?}; {}",
            self.describe()
        );
        self
    }

    #[track_caller]
    pub fn assert_header_contains(&self, name: &str, text: &str) -> &Self {
        let value = self.header(name);
        assert!(
            value.is_some_and(|v| v.contains(text)),
            "header {name} is {value:?}, expected it to contain {text:?} ({} {})",
            self.method,
            self.url
        );
        self
    }

    /// The document, parsed.
    pub fn html(&self) -> Html {
        Html::parse(&self.body)
    }

    /// The visible text of the page, whitespace collapsed.
    pub fn text(&self) -> String {
        self.html().text()
    }

    /// Texts of the elements matching a CSS selector.
    pub fn select_texts(&self, css: &str) -> Vec<String> {
        self.html().select_texts(css)
    }

    /// The text of the only element matching `css`.
    #[track_caller]
    pub fn text_of(&self, css: &str) -> String {
        let texts = self.select_texts(css);
        match texts.as_slice() {
            [one] => one.clone(),
            _ => panic!(
                "expected one element matching {css:?}, found {}; {}",
                texts.len(),
                self.describe()
            ),
        }
    }

    /// The `<form>` containing a submit button with text `button`; submitting
    /// it later presses that button.
    #[track_caller]
    pub fn form_with_button(&self, button: &str) -> Form {
        match Form::find(&self.body, &self.url, button) {
            Ok(f) => f,
            Err(msg) => panic!("{msg}; {}", self.describe()),
        }
    }

    /// Whether the page has a form with such a button.
    pub fn has_button(&self, button: &str) -> bool {
        Form::find(&self.body, &self.url, button).is_ok()
    }
}

/// Sends `req` and reads the whole answer: (status, Location); a failed
/// request (server killed, connection reset) is an `Err`.
async fn status_and_location(
    req: reqwest::RequestBuilder,
) -> Result<(u16, Option<String>), String> {
    let res = req.send().await.map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    res.bytes().await.map_err(|e| e.to_string())?;
    Ok((status, location))
}
