//! Reusable pieces of markup: form fields with label and error, alerts,
//! tables and the pager.

use maud::{Markup, html};

/// A text-like input with its label and, if any, its error message.
pub struct Field<'a> {
    pub label: &'a str,
    pub name: &'a str,
    pub value: &'a str,
    pub error: Option<&'a str>,
    pub kind: &'a str,
    pub required: bool,
    pub autocomplete: Option<&'a str>,
    pub hint: Option<&'a str>,
}

impl<'a> Field<'a> {
    pub fn text(label: &'a str, name: &'a str, value: &'a str) -> Self {
        Field {
            label,
            name,
            value,
            error: None,
            kind: "text",
            required: false,
            autocomplete: None,
            hint: None,
        }
    }

    pub fn kind(mut self, kind: &'a str) -> Self {
        self.kind = kind;
        self
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn error(mut self, error: Option<&'a str>) -> Self {
        self.error = error;
        self
    }

    pub fn autocomplete(mut self, value: &'a str) -> Self {
        self.autocomplete = Some(value);
        self
    }

    pub fn hint(mut self, hint: &'a str) -> Self {
        self.hint = Some(hint);
        self
    }

    pub fn render(&self) -> Markup {
        let id = format!("f-{}", self.name);
        let err_id = format!("{id}-fehler");
        let hint_id = format!("{id}-hinweis");
        let mut described = Vec::new();
        if self.hint.is_some() {
            described.push(hint_id.clone());
        }
        if self.error.is_some() {
            described.push(err_id.clone());
        }
        let described = described.join(" ");
        html! {
            div class={ "field" @if self.error.is_some() { " field-error" } } {
                label for=(id) {
                    (self.label)
                    @if self.required { span class="req" aria-hidden="true" { "*" } }
                }
                input id=(id) name=(self.name) type=(self.kind)
                    value=[(self.kind != "password").then_some(self.value)]
                    required[self.required]
                    autocomplete=[self.autocomplete]
                    aria-invalid=[self.error.map(|_| "true")]
                    aria-describedby=[(!described.is_empty()).then_some(described.as_str())];
                @if let Some(hint) = self.hint {
                    p class="hint" id=(hint_id) { (hint) }
                }
                @if let Some(err) = self.error {
                    p class="error" id=(err_id) { (err) }
                }
            }
        }
    }
}

/// A checkbox with its label.
pub fn checkbox(name: &str, value: &str, label: &str, checked: bool) -> Markup {
    let id = format!("f-{name}-{value}");
    html! {
        div class="check" {
            input type="checkbox" id=(id) name=(name) value=(value) checked[checked];
            label for=(id) { (label) }
        }
    }
}

/// The handbook's note above every form.
pub fn required_note() -> Markup {
    html! { p class="required-note" { "Mit * gekennzeichnete Felder sind Pflichtfelder" } }
}

/// The hidden CSRF field every form carries.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum AlertKind {
    Info,
    Success,
    Warning,
    Error,
}

pub fn alert(kind: AlertKind, title: Option<&str>, text: &str) -> Markup {
    let (class, role) = match kind {
        AlertKind::Info => ("alert alert-info", "status"),
        AlertKind::Success => ("alert alert-success", "status"),
        AlertKind::Warning => ("alert alert-warning", "alert"),
        AlertKind::Error => ("alert alert-error", "alert"),
    };
    html! {
        div class=(class) role=(role) {
            @if let Some(t) = title { p class="alert-title" { strong { (t) } } }
            p { (text) }
        }
    }
}

/// Paging state of a list (SPEC: 20 per page).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    pub page: usize,
    pub per_page: usize,
    pub total: usize,
}

pub use crate::domain::PAGE_SIZE;

impl Paging {
    pub fn new(page: usize, total: usize) -> Self {
        let per_page = PAGE_SIZE;
        let last = total.div_ceil(per_page).max(1);
        Paging {
            page: page.clamp(1, last),
            per_page,
            total,
        }
    }

    pub fn last_page(&self) -> usize {
        self.total.div_ceil(self.per_page).max(1)
    }

    /// The index range of the current page.
    pub fn range(&self) -> std::ops::Range<usize> {
        let start = (self.page - 1) * self.per_page;
        start.min(self.total)..(start + self.per_page).min(self.total)
    }

    /// "1 - 20 von 45" as in the handbook ("0 von 0" when empty).
    pub fn summary(&self) -> String {
        if self.total == 0 {
            return "0 von 0".to_owned();
        }
        let r = self.range();
        format!("{} - {} von {}", r.start + 1, r.end, self.total)
    }
}

/// The pager under a table; `href(page)` builds the link keeping the filters.
pub fn pager(p: &Paging, href: impl Fn(usize) -> String) -> Markup {
    let last = p.last_page();
    let link = |label: &str, aria: &str, target: usize, enabled: bool| {
        html! {
            @if enabled {
                a class="pager-link" href=(href(target)) aria-label=(aria) { (label) }
            } @else {
                span class="pager-link disabled" aria-hidden="true" { (label) }
            }
        }
    };
    html! {
        nav class="pager" aria-label="Seitennavigation" {
            span { "Elemente pro Seite: " (p.per_page) }
            span class="pager-summary" { (p.summary()) }
            (link("|<", "Erste Seite", 1, p.page > 1))
            (link("<", "Vorherige Seite", p.page.saturating_sub(1).max(1), p.page > 1))
            (link(">", "Nächste Seite", (p.page + 1).min(last), p.page < last))
            (link(">|", "Letzte Seite", last, p.page < last))
        }
    }
}

/// Links of a list paged by cursor (newest first): "Neueste", "Neuere
/// Einträge", "Ältere Einträge"; `None` where there is no such page.
pub fn cursor_pager(
    newest: Option<String>,
    newer: Option<String>,
    older: Option<String>,
    summary: &str,
) -> Markup {
    let link = |label: &str, href: &Option<String>| {
        html! {
            @match href {
                Some(h) => a class="pager-link" href=(h) { (label) },
                None => span class="pager-link disabled" aria-hidden="true" { (label) },
            }
        }
    };
    html! {
        nav class="pager" aria-label="Seitennavigation" {
            span class="pager-summary" { (summary) }
            (link("Neueste", &newest))
            (link("Neuere Einträge", &newer))
            (link("Ältere Einträge", &older))
        }
    }
}

/// "Keine Daten vorhanden" row for an empty table.
pub fn empty_row(columns: usize) -> Markup {
    html! { tr { td colspan=(columns) class="empty" { "Keine Daten vorhanden" } } }
}

pub use crate::format::{date, datetime, datetime_seconds};

/// A group of checkboxes in a fieldset; `options` are (value, label, checked).
pub fn checkbox_group(
    legend: &str,
    name: &str,
    options: &[(&str, &str, bool)],
    error: Option<&str>,
) -> Markup {
    let err_id = format!("f-{name}-fehler");
    html! {
        fieldset class={ "checks" @if error.is_some() { " field-error" } } aria-describedby=[error.map(|_| err_id.as_str())] {
            legend { (legend) }
            @for (value, label, checked) in options {
                (checkbox(name, value, label, *checked))
            }
            @if let Some(err) = error {
                p class="error" id=(err_id) { (err) }
            }
        }
    }
}

/// A group of radio buttons in a fieldset; `options` are (value, label),
/// `hint` is shown under the legend and tied to the group.
pub fn radio_group(
    legend: &str,
    name: &str,
    options: &[(&str, &str)],
    selected: &str,
    hint: Option<&str>,
) -> Markup {
    let hint_id = format!("f-{name}-hinweis");
    html! {
        fieldset class="checks" aria-describedby=[hint.map(|_| hint_id.as_str())] {
            legend { (legend) }
            @for (value, label) in options {
                @let id = format!("f-{name}-{value}");
                div class="check" {
                    input type="radio" id=(id) name=(name) value=(value) checked[*value == selected];
                    label for=(id) { (label) }
                }
            }
            @if let Some(h) = hint {
                p class="hint" id=(hint_id) { (h) }
            }
        }
    }
}

/// The handbook's warning about E-Mail-TAN (§1.2).
pub const EMAIL_TAN_WARNING: &str = "Bitte bedenken Sie bei der Umstellung auf E-Mail-TAN das geringere Sicherheitsniveau sowie mögliche Verzögerungen beim Anmelden, die durch Spam-Filter oder temporäre Server-Probleme verursacht werden können.";

/// A multi-line text field with label and error.
pub fn textarea(
    label: &str,
    name: &str,
    value: &str,
    required: bool,
    error: Option<&str>,
) -> Markup {
    let id = format!("f-{name}");
    let err_id = format!("{id}-fehler");
    html! {
        div class={ "field" @if error.is_some() { " field-error" } } {
            label for=(id) { (label) @if required { span class="req" aria-hidden="true" { "*" } } }
            textarea id=(id) name=(name) rows="4" required[required]
                aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| err_id.as_str())] { (value) }
            @if let Some(err) = error { p class="error" id=(err_id) { (err) } }
        }
    }
}

/// A multi-line text field limited to `max` characters, with the counter
/// "count / max" that assets/session.js keeps up to date while typing.
pub fn textarea_counted(
    label: &str,
    name: &str,
    value: &str,
    required: bool,
    error: Option<&str>,
    max: usize,
) -> Markup {
    counted_field(label, name, value, required, error, max, |f| {
        html! {
            textarea id=(f.id) name=(name) rows="8" maxlength=(max) data-counter=(f.counter) required[required]
                aria-invalid=[error.map(|_| "true")] aria-describedby=(f.described) { (value) }
        }
    })
}

/// A required single-line text field limited to `max` characters, with
/// the same counter as [`textarea_counted`] (e.g. "Betreff").
pub fn input_counted(
    label: &str,
    name: &str,
    value: &str,
    error: Option<&str>,
    max: usize,
) -> Markup {
    counted_field(label, name, value, true, error, max, |f| {
        html! {
            input id=(f.id) name=(name) type="text" value=(value) maxlength=(max) data-counter=(f.counter) required
                aria-invalid=[error.map(|_| "true")] aria-describedby=(f.described);
        }
    })
}

/// The ids a counted field's control refers to.
struct CountedIds {
    id: String,
    counter: String,
    /// The counter, and the error when there is one.
    described: String,
}

/// Label, `control`, counter and error of a field limited to `max`
/// characters.
fn counted_field(
    label: &str,
    name: &str,
    value: &str,
    required: bool,
    error: Option<&str>,
    max: usize,
    control: impl FnOnce(&CountedIds) -> Markup,
) -> Markup {
    let id = format!("f-{name}");
    let err_id = format!("{id}-fehler");
    let counter = format!("{id}-zaehler");
    let described = match error {
        Some(_) => format!("{counter} {err_id}"),
        None => counter.clone(),
    };
    let ids = CountedIds {
        id,
        counter,
        described,
    };
    html! {
        div class={ "field" @if error.is_some() { " field-error" } } {
            label for=(ids.id) { (label) @if required { span class="req" aria-hidden="true" { "*" } } }
            (control(&ids))
            span class="counter" id=(ids.counter) { (crate::domain::message::text_len(value)) " / " (max) }
            @if let Some(err) = error { p class="error" id=(err_id) { (err) } }
        }
    }
}

/// Text as entered: paragraphs at blank lines, line breaks kept.
pub fn paragraphs(text: &str) -> Markup {
    html! {
        @for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
            p {
                @for (i, line) in para.lines().enumerate() {
                    @if i > 0 { br; }
                    (line)
                }
            }
        }
    }
}

/// A select with label and error; `options` are (value, label).
pub fn select(
    label: &str,
    name: &str,
    options: &[(String, String)],
    selected: &str,
    required: bool,
    error: Option<&str>,
) -> Markup {
    let id = format!("f-{name}");
    let err_id = format!("{id}-fehler");
    html! {
        div class={ "field" @if error.is_some() { " field-error" } } {
            label for=(id) { (label) @if required { span class="req" aria-hidden="true" { "*" } } }
            select id=(id) name=(name) required[required]
                aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| err_id.as_str())] {
                @for (value, text) in options {
                    option value=(value) selected[value == selected] { (text) }
                }
            }
            @if let Some(err) = error { p class="error" id=(err_id) { (err) } }
        }
    }
}

/// Looks up the message for `field` in a list of field errors.
pub fn error_for<'a>(errors: &'a [(&'static str, String)], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, m)| m.as_str())
}

/// A button in its own small POST form (actions on details pages).
pub fn action_button(action: &str, csrf: &str, label: &str, class: &str) -> Markup {
    html! {
        form method="post" action=(action) class="inline-form" {
            (csrf_field(csrf))
            button type="submit" class=(class) { (label) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_summary_matches_the_handbook() {
        assert_eq!(Paging::new(1, 45).summary(), "1 - 20 von 45");
        assert_eq!(Paging::new(3, 45).summary(), "41 - 45 von 45");
        assert_eq!(Paging::new(9, 45).page, 3);
        assert_eq!(Paging::new(1, 0).summary(), "0 von 0");
    }
}
