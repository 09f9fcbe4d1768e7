//! Reading pages and filling forms the way a person does: by the text of
//! labels and buttons. Hidden inputs (the CSRF token included) are carried
//! over automatically.

use scraper::{ElementRef, Selector};

use super::client::{Client, Page};

/// Collapses whitespace and drops the trailing required-field marker `*`.
pub fn normalize(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.trim_end_matches('*').trim_end().to_owned()
}

#[track_caller]
fn selector(css: &str) -> Selector {
    match Selector::parse(css) {
        Ok(s) => s,
        Err(e) => panic!("bad CSS selector {css:?}: {e}"),
    }
}

fn element_text(el: ElementRef<'_>) -> String {
    normalize(&el.text().collect::<String>())
}

/// A parsed document.
pub struct Html(scraper::Html);

impl Html {
    pub fn parse(body: &str) -> Html {
        Html(scraper::Html::parse_document(body))
    }

    /// The text of `<body>` (or the whole document), whitespace collapsed.
    pub fn text(&self) -> String {
        let body = selector("body");
        match self.0.select(&body).next() {
            Some(b) => element_text(b),
            None => normalize(&self.0.root_element().text().collect::<String>()),
        }
    }

    #[track_caller]
    pub fn select_texts(&self, css: &str) -> Vec<String> {
        let sel = selector(css);
        self.0.select(&sel).map(element_text).collect()
    }

    /// An attribute of every element matching `css`.
    #[track_caller]
    pub fn select_attrs(&self, css: &str, attr: &str) -> Vec<String> {
        let sel = selector(css);
        self.0
            .select(&sel)
            .filter_map(|e| e.value().attr(attr).map(str::to_owned))
            .collect()
    }

    /// The `href` of every link whose text is `text`.
    pub fn link_hrefs(&self, text: &str) -> Vec<String> {
        let sel = selector("a[href]");
        let want = normalize(text);
        self.0
            .select(&sel)
            .filter(|a| element_text(*a) == want)
            .filter_map(|a| a.value().attr("href").map(str::to_owned))
            .collect()
    }

    /// The error message shown next to the field labelled `label` (in the
    /// same `.field` block), if any.
    pub fn field_error(&self, label: &str) -> Option<String> {
        let want = normalize(label);
        let label_el = self
            .0
            .select(&selector("label"))
            .find(|l| element_text(*l) == want)?;
        let field = label_el.parent().and_then(ElementRef::wrap)?;
        field.select(&selector(".error")).next().map(element_text)
    }

    /// The labels of every form control on the page.
    pub fn labels(&self) -> Vec<String> {
        self.select_texts("label")
    }

    /// The `lang` attribute of `<html>`.
    pub fn lang(&self) -> Option<String> {
        self.0
            .root_element()
            .value()
            .attr("lang")
            .map(str::to_owned)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    Text,
    Hidden,
    Checkbox,
    Radio,
    Select { multiple: bool },
    Textarea,
    File,
}

#[derive(Clone, Debug)]
struct SelectOption {
    value: String,
    text: String,
    selected: bool,
}

#[derive(Clone, Debug)]
struct Control {
    name: String,
    id: Option<String>,
    kind: Kind,
    value: String,
    checked: bool,
    options: Vec<SelectOption>,
    file: Option<(String, Vec<u8>)>,
    disabled: bool,
}

#[derive(Clone, Debug)]
struct Label {
    text: String,
    /// The control it labels (index into `controls`).
    control: Option<usize>,
    /// Legend of the enclosing `<fieldset>`, if any.
    legend: Option<String>,
}

#[derive(Clone, Debug)]
struct Button {
    text: String,
    name: Option<String>,
    value: String,
    formaction: Option<String>,
    formmethod: Option<String>,
}

/// A form found on a page, with the values a person has entered so far.
#[derive(Clone, Debug)]
pub struct Form {
    page_url: String,
    action: Option<String>,
    method: String,
    multipart: bool,
    controls: Vec<Control>,
    labels: Vec<Label>,
    buttons: Vec<Button>,
    /// The button pressed on submit.
    pressed: usize,
}

impl Form {
    /// Finds the form containing a submit button with text `button`.
    pub fn find(body: &str, page_url: &str, button: &str) -> Result<Form, String> {
        let doc = scraper::Html::parse_document(body);
        let want = normalize(button);
        let mut all_buttons = Vec::new();
        for form_el in doc.select(&selector("form")) {
            let form = Form::read(form_el, page_url);
            if let Some(i) = form.buttons.iter().position(|b| b.text == want) {
                return Ok(Form { pressed: i, ..form });
            }
            all_buttons.extend(form.buttons.into_iter().map(|b| b.text));
        }
        Err(format!(
            "no form with a button {want:?}; buttons in forms: {all_buttons:?}"
        ))
    }

    fn read(form_el: ElementRef<'_>, page_url: &str) -> Form {
        let attr = |n: &str| form_el.value().attr(n).map(str::to_owned);
        let mut controls = Vec::new();
        let mut buttons = Vec::new();
        let sel = selector("input, select, textarea, button");
        for el in form_el.select(&sel) {
            let v = el.value();
            let name = v.attr("name").unwrap_or("").to_owned();
            let id = v.attr("id").map(str::to_owned);
            let disabled = v.attr("disabled").is_some();
            let base = |kind: Kind, value: String| Control {
                name: name.clone(),
                id: id.clone(),
                kind,
                value,
                checked: false,
                options: Vec::new(),
                file: None,
                disabled,
            };
            match v.name() {
                "button" => {
                    let kind = v.attr("type").unwrap_or("submit");
                    if kind == "submit" {
                        buttons.push(Button {
                            text: element_text(el),
                            name: v.attr("name").map(str::to_owned),
                            value: v.attr("value").unwrap_or("").to_owned(),
                            formaction: v.attr("formaction").map(str::to_owned),
                            formmethod: v.attr("formmethod").map(str::to_owned),
                        });
                    }
                }
                "select" => {
                    let mut c = base(
                        Kind::Select {
                            multiple: v.attr("multiple").is_some(),
                        },
                        String::new(),
                    );
                    for o in el.select(&selector("option")) {
                        let text = element_text(o);
                        c.options.push(SelectOption {
                            value: o.value().attr("value").map_or(text.clone(), str::to_owned),
                            text,
                            selected: o.value().attr("selected").is_some(),
                        });
                    }
                    controls.push(c);
                }
                "textarea" => {
                    let text: String = el.text().collect();
                    // The HTML parser drops one leading newline already.
                    controls.push(base(Kind::Textarea, text));
                }
                _ => {
                    let kind = v.attr("type").unwrap_or("text").to_ascii_lowercase();
                    let value = v.attr("value").unwrap_or("").to_owned();
                    match kind.as_str() {
                        "submit" | "image" => buttons.push(Button {
                            text: normalize(&value),
                            name: v.attr("name").map(str::to_owned),
                            value,
                            formaction: v.attr("formaction").map(str::to_owned),
                            formmethod: v.attr("formmethod").map(str::to_owned),
                        }),
                        "button" | "reset" => {}
                        "hidden" => controls.push(base(Kind::Hidden, value)),
                        "checkbox" | "radio" => {
                            let mut c = base(
                                if kind == "checkbox" {
                                    Kind::Checkbox
                                } else {
                                    Kind::Radio
                                },
                                if value.is_empty() {
                                    "on".to_owned()
                                } else {
                                    value
                                },
                            );
                            c.checked = v.attr("checked").is_some();
                            controls.push(c);
                        }
                        "file" => controls.push(base(Kind::File, String::new())),
                        _ => controls.push(base(Kind::Text, value)),
                    }
                }
            }
        }

        let mut labels = Vec::new();
        for l in form_el.select(&selector("label")) {
            let text = element_text(l);
            let control = match l.value().attr("for") {
                Some(target) => controls
                    .iter()
                    .position(|c| c.id.as_deref() == Some(target)),
                None => l
                    .select(&selector("input, select, textarea"))
                    .next()
                    .and_then(|inner| {
                        let name = inner.value().attr("name")?;
                        let value = inner.value().attr("value");
                        controls.iter().position(|c| {
                            c.name == name && (value.is_none() || Some(c.value.as_str()) == value)
                        })
                    }),
            };
            let legend = l
                .ancestors()
                .filter_map(ElementRef::wrap)
                .find(|a| a.value().name() == "fieldset")
                .and_then(|fs| fs.select(&selector("legend")).next())
                .map(element_text);
            labels.push(Label {
                text,
                control,
                legend,
            });
        }

        Form {
            page_url: page_url.to_owned(),
            action: attr("action"),
            method: attr("method")
                .unwrap_or_else(|| "get".to_owned())
                .to_ascii_lowercase(),
            multipart: attr("enctype").is_some_and(|e| e.contains("multipart")),
            controls,
            labels,
            buttons,
            pressed: 0,
        }
    }

    fn label_list(&self) -> Vec<String> {
        self.labels
            .iter()
            .map(|l| match &l.legend {
                Some(g) => format!("{g} › {}", l.text),
                None => l.text.clone(),
            })
            .collect()
    }

    #[track_caller]
    fn control_index(&self, legend: Option<&str>, label: &str) -> usize {
        let want = normalize(label);
        let want_legend = legend.map(normalize);
        let matches: Vec<&Label> = self
            .labels
            .iter()
            .filter(|l| l.text == want)
            .filter(|l| want_legend.is_none() || l.legend == want_legend)
            .collect();
        match matches.as_slice() {
            [] => panic!(
                "no label {want:?}{} in the form; labels present: {:#?}",
                want_legend
                    .map(|g| format!(" in fieldset {g:?}"))
                    .unwrap_or_default(),
                self.label_list()
            ),
            [one] => match one.control {
                Some(i) => i,
                None => panic!("label {want:?} is not connected to a control (for/id)"),
            },
            _ => panic!(
                "label {want:?} is ambiguous, use the *_in variant with the fieldset legend; labels: {:#?}",
                self.label_list()
            ),
        }
    }

    #[track_caller]
    fn set_text(&mut self, i: usize, label: &str, value: &str) {
        let c = &mut self.controls[i];
        match c.kind {
            Kind::Text | Kind::Textarea | Kind::Hidden => c.value = value.to_owned(),
            Kind::Select { .. } => {
                let want = normalize(value);
                let found = c
                    .options
                    .iter()
                    .position(|o| o.text == want || o.value == value);
                let Some(pos) = found else {
                    panic!(
                        "select {label:?} has no option {value:?}; options: {:?}",
                        c.options.iter().map(|o| &o.text).collect::<Vec<_>>()
                    );
                };
                for (n, o) in c.options.iter_mut().enumerate() {
                    o.selected = n == pos;
                }
            }
            ref other => panic!("{label:?} is a {other:?}, use check/attach"),
        }
    }

    /// Types `value` into the field labelled `label` (for a select: chooses
    /// the option with that text or value).
    #[track_caller]
    pub fn fill(mut self, label: &str, value: &str) -> Self {
        let i = self.control_index(None, label);
        self.set_text(i, label, value);
        self
    }

    /// Chooses an option of a select by its text (same as `fill`).
    #[track_caller]
    pub fn select(self, label: &str, option: &str) -> Self {
        self.fill(label, option)
    }

    #[track_caller]
    fn set_checked(&mut self, i: usize, label: &str, on: bool) {
        let kind = self.controls[i].kind.clone();
        match kind {
            Kind::Checkbox => self.controls[i].checked = on,
            Kind::Radio => {
                let name = self.controls[i].name.clone();
                for c in self.controls.iter_mut().filter(|c| c.name == name) {
                    c.checked = false;
                }
                self.controls[i].checked = on;
            }
            other => panic!("{label:?} is a {other:?}, not a checkbox or radio button"),
        }
    }

    #[track_caller]
    pub fn check(mut self, label: &str) -> Self {
        let i = self.control_index(None, label);
        self.set_checked(i, label, true);
        self
    }

    #[track_caller]
    pub fn uncheck(mut self, label: &str) -> Self {
        let i = self.control_index(None, label);
        self.set_checked(i, label, false);
        self
    }

    #[track_caller]
    pub fn check_in(mut self, legend: &str, label: &str) -> Self {
        let i = self.control_index(Some(legend), label);
        self.set_checked(i, label, true);
        self
    }

    #[track_caller]
    pub fn uncheck_in(mut self, legend: &str, label: &str) -> Self {
        let i = self.control_index(Some(legend), label);
        self.set_checked(i, label, false);
        self
    }

    /// Chooses a file for the file input labelled `label`.
    #[track_caller]
    pub fn attach(mut self, label: &str, file_name: &str, content: &[u8]) -> Self {
        let i = self.control_index(None, label);
        let c = &mut self.controls[i];
        assert_eq!(c.kind, Kind::File, "{label:?} is not a file input");
        c.file = Some((file_name.to_owned(), content.to_vec()));
        self
    }

    /// Sets a control by its `name` (for controls without a label).
    #[track_caller]
    pub fn set(mut self, name: &str, value: &str) -> Self {
        match self.controls.iter_mut().find(|c| c.name == name) {
            Some(c) => c.value = value.to_owned(),
            None => panic!("no control named {name:?} in the form"),
        }
        self
    }

    /// The current value of the field labelled `label`.
    #[track_caller]
    pub fn value(&self, label: &str) -> String {
        let c = &self.controls[self.control_index(None, label)];
        match c.kind {
            Kind::Select { .. } => c
                .options
                .iter()
                .find(|o| o.selected)
                .or(c.options.first())
                .map(|o| o.text.clone())
                .unwrap_or_default(),
            _ => c.value.clone(),
        }
    }

    /// Whether the checkbox labelled `label` is checked.
    #[track_caller]
    pub fn is_checked(&self, label: &str) -> bool {
        self.controls[self.control_index(None, label)].checked
    }

    /// The value of the control named `name` (e.g. the hidden `csrf`).
    pub fn value_of(&self, name: &str) -> Option<String> {
        self.controls
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.value.clone())
    }

    /// The label texts of the form.
    pub fn labels(&self) -> Vec<String> {
        self.labels.iter().map(|l| l.text.clone()).collect()
    }

    /// Presses another submit button of the same form.
    #[track_caller]
    pub fn press(mut self, button: &str) -> Self {
        let want = normalize(button);
        match self.buttons.iter().position(|b| b.text == want) {
            Some(i) => self.pressed = i,
            None => panic!(
                "no button {want:?} in the form; buttons: {:?}",
                self.buttons.iter().map(|b| &b.text).collect::<Vec<_>>()
            ),
        }
        self
    }

    /// The name/value pairs a browser would send (files excluded).
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for c in self
            .controls
            .iter()
            .filter(|c| !c.disabled && !c.name.is_empty())
        {
            match &c.kind {
                Kind::Text | Kind::Hidden | Kind::Textarea => {
                    out.push((c.name.clone(), c.value.clone()))
                }
                Kind::Checkbox | Kind::Radio => {
                    if c.checked {
                        out.push((c.name.clone(), c.value.clone()));
                    }
                }
                Kind::Select { multiple } => {
                    let selected: Vec<&SelectOption> =
                        c.options.iter().filter(|o| o.selected).collect();
                    if selected.is_empty()
                        && !multiple
                        && let Some(o) = c.options.first()
                    {
                        out.push((c.name.clone(), o.value.clone()));
                    }
                    for o in selected {
                        out.push((c.name.clone(), o.value.clone()));
                    }
                }
                Kind::File => {}
            }
        }
        if let Some(b) = self.buttons.get(self.pressed)
            && let Some(name) = &b.name
        {
            out.push((name.clone(), b.value.clone()));
        }
        out
    }

    /// The URL the form is sent to.
    pub fn target(&self) -> String {
        let action = self
            .buttons
            .get(self.pressed)
            .and_then(|b| b.formaction.clone())
            .or_else(|| self.action.clone())
            .unwrap_or_default();
        match reqwest::Url::parse(&self.page_url).and_then(|base| base.join(&action)) {
            Ok(u) => u.to_string(),
            Err(_) => action,
        }
    }

    fn method(&self) -> String {
        self.buttons
            .get(self.pressed)
            .and_then(|b| b.formmethod.clone())
            .unwrap_or_else(|| self.method.clone())
            .to_ascii_lowercase()
    }

    /// The `multipart/form-data` body a browser would send (fields and
    /// chosen files).
    pub fn multipart_body(&self) -> reqwest::multipart::Form {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in self.pairs() {
            form = form.text(k, v);
        }
        for c in self.controls.iter().filter(|c| c.kind == Kind::File) {
            let (name, bytes) = c.file.clone().unwrap_or_default();
            let part = reqwest::multipart::Part::bytes(bytes).file_name(name);
            form = form.part(c.name.clone(), part);
        }
        form
    }

    /// Submits the form by pressing its button.
    pub async fn submit(&self, client: &Client) -> Page {
        let target = self.target();
        let pairs = self.pairs();
        if self.method() == "get" {
            let mut url = match reqwest::Url::parse(&target) {
                Ok(u) => u,
                Err(e) => panic!("bad form action {target:?}: {e}"),
            };
            url.query_pairs_mut().clear().extend_pairs(pairs.iter());
            return client.get(url.as_str()).await;
        }
        if self.multipart {
            return client.post_multipart(&target, self.multipart_body()).await;
        }
        client.post_pairs(&target, &pairs, &[]).await
    }

    /// Presses the button `button` (of this form) and submits.
    pub async fn submit_with(self, client: &Client, button: &str) -> Page {
        self.press(button).submit(client).await
    }
}
