//! Tagged PDF/A-3a documents (receipts, conversation exports) written with
//! krilla and the embedded DejaVu Sans (licence in `assets/fonts/`).
//!
//! krilla's A3_A validator runs while writing: a document that would break
//! PDF/A-3a (no title, no language, untagged content, an embedded file
//! without type or date, a glyph missing from the font …) is refused with
//! an error instead of being produced. Every line drawn is a marked-content
//! span inside its heading or paragraph in the tag tree.

use jiff::Timestamp;
use krilla::Document;
use krilla::configure::{Configuration, Validator};
use krilla::embed::{AssociationKind, EmbeddedFile};
use krilla::geom::Point;
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::tagging::{ContentTag, SpanTag, Tag, TagGroup, TagTree};
use krilla::text::{Font, TextDirection};
use krilla::{Data, SerializeSettings};

use super::Error;

const FONT_FILE: &str = "fonts/DejaVuSans.ttf";
const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
/// Characters per line at 10 pt (a safe estimate for DejaVu Sans on A4).
const WRAP_AT_10PT: f32 = 85.0;

/// A logical block of the document, in reading order.
#[derive(Debug, Clone)]
pub enum Block {
    /// The document heading (16 pt).
    H1(String),
    /// A section heading (13 pt).
    H2(String),
    /// A paragraph (10 pt); line breaks in the text start new lines.
    P(String),
    /// Vertical space (not tagged: it draws nothing).
    Gap,
}

/// A file to embed as an associated file of the document.
pub struct FileToEmbed {
    /// Unique within the document.
    pub name: String,
    pub mime: String,
    pub description: String,
    pub data: Vec<u8>,
}

fn font() -> Result<Font, Error> {
    let file = crate::assets::Assets::get(FONT_FILE)
        .ok_or_else(|| Error::Internal(format!("embedded font {FONT_FILE} missing")))?;
    Font::new(file.data.into_owned().into(), 0)
        .ok_or_else(|| Error::Internal("embedded font unreadable".to_owned()))
}

/// Replaces characters the embedded font may lack (emoji, private use,
/// scripts outside Latin) by "?" and control characters by spaces, so the
/// validator never meets a missing glyph.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' => '\n',
            c if c.is_control() => ' ',
            ' '..='~'
            | '\u{A0}'..='\u{24F}'
            | '\u{2010}'..='\u{2027}'
            | '\u{2030}'..='\u{203A}'
            | '\u{20AC}' => c,
            _ => '?',
        })
        .collect()
}

/// Splits `text` into lines of at most `width` characters at spaces (a
/// longer word is cut). Every line but a paragraph's last keeps a trailing
/// space, so the word boundary survives text extraction (PDF/A-a).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    for para in text.lines() {
        let mut line = String::new();
        let mut words: Vec<String> = Vec::new();
        for word in para.split_whitespace() {
            let chars: Vec<char> = word.chars().collect();
            for piece in chars.chunks(width) {
                words.push(piece.iter().collect());
            }
        }
        for word in words {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                line.push(' ');
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&word);
        }
        lines.push(line);
    }
    lines
}

fn pdf_date(at: Timestamp) -> DateTime {
    let t = at.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    // The year is four digits for every date the portal stores.
    DateTime::new(u16::try_from(t.year()).unwrap_or(2000))
        .month(t.month().unsigned_abs())
        .day(t.day().unsigned_abs())
        .hour(t.hour().unsigned_abs())
        .minute(t.minute().unsigned_abs())
        .second(t.second().unsigned_abs())
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

/// A laid-out line: size, text, index of its block.
struct Line {
    size: f32,
    text: String,
    block: usize,
}

fn layout(blocks: &[Block]) -> Vec<Line> {
    let mut out = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        let (size, text) = match b {
            Block::H1(t) => (16.0, t),
            Block::H2(t) => (13.0, t),
            Block::P(t) => (10.0, t),
            Block::Gap => {
                out.push(Line {
                    size: 10.0,
                    text: String::new(),
                    block: i,
                });
                continue;
            }
        };
        let width = (WRAP_AT_10PT * 10.0 / size) as usize;
        for l in wrap(&printable(text), width) {
            out.push(Line {
                size,
                text: l,
                block: i,
            });
        }
    }
    out
}

/// Writes `blocks` as a tagged PDF/A-3a document titled `title` (language
/// German) with the files `files` yields embedded as associated files
/// (uncompressed). krilla holds every file's bytes until the document is
/// finished and copies them into its output: big files are embedded as
/// placeholders and spliced in while streaming (`pdf_splice`).
pub fn render(
    title: &str,
    blocks: &[Block],
    files: impl Iterator<Item = Result<FileToEmbed, Error>>,
    now: Timestamp,
) -> Result<Vec<u8>, Error> {
    let font = font()?;
    let mut document = new_document(title, now);
    for f in files {
        embed(&mut document, f?)?;
    }
    let groups = draw_pages(&mut document, blocks, &font);
    let mut tree = TagTree::new();
    for g in groups.into_iter().flatten() {
        tree.push(g);
    }
    document.set_tag_tree(tree);
    document
        .finish()
        .map_err(|e| Error::Internal(format!("PDF/A: {e:?}")))
}

/// A PDF/A-3a document with tagging and its metadata (title, language).
fn new_document(title: &str, now: Timestamp) -> Document {
    let settings = SerializeSettings {
        configuration: Configuration::new_with_validator(Validator::A3_A),
        enable_tagging: true,
        ..SerializeSettings::default()
    };
    let mut document = Document::new_with(settings);
    // The creation date must be known before files are embedded (their
    // modification date).
    document.set_metadata(
        Metadata::new()
            .title(printable(title))
            .language("de".to_owned())
            .creator("Meine Versorgung".to_owned())
            .creation_date(pdf_date(now)),
    );
    document
}

/// Embeds `f` as an associated file (relation Supplement, uncompressed).
fn embed(document: &mut Document, f: FileToEmbed) -> Result<(), Error> {
    let embedded = EmbeddedFile {
        path: f.name,
        mime_type: Some(if f.mime.is_empty() {
            "application/octet-stream".to_owned()
        } else {
            f.mime
        }),
        description: Some(f.description),
        association_kind: AssociationKind::Supplement,
        data: Data::from(f.data),
        compress: false,
        location: None,
    };
    document
        .embed_file(embedded)
        .ok_or_else(|| Error::Internal("PDF: duplicate embedded file name".to_owned()))
}

/// Draws the lines of `blocks` on as many pages as they need, each line a
/// tagged span; returns the tag group of each block (none for a gap).
fn draw_pages(document: &mut Document, blocks: &[Block], font: &Font) -> Vec<Option<TagGroup>> {
    let mut groups: Vec<Option<TagGroup>> = blocks
        .iter()
        .map(|b| match b {
            Block::H1(_) => Some(TagGroup::new(Tag::H1(None))),
            Block::H2(_) => Some(TagGroup::new(Tag::H2(None))),
            Block::P(_) => Some(TagGroup::new(Tag::P)),
            Block::Gap => None,
        })
        .collect();
    let all = layout(blocks);
    let mut rest = all.as_slice();
    while !rest.is_empty() {
        let mut page = document.start_page_with(PageSettings::new(WIDTH, HEIGHT));
        let mut surface = page.surface();
        let mut y = MARGIN;
        let mut first = true;
        while let Some((line, tail)) = rest.split_first() {
            if !first && y + line.size * 1.6 > HEIGHT - MARGIN {
                break;
            }
            first = false;
            y += line.size * 1.6;
            if let (false, Some(Some(group))) = (line.text.is_empty(), groups.get_mut(line.block)) {
                let id = surface.start_tagged(ContentTag::Span(SpanTag::empty()));
                surface.draw_text(
                    Point::from_xy(MARGIN, y),
                    font.clone(),
                    line.size,
                    &line.text,
                    false,
                    TextDirection::Auto,
                );
                surface.end_tagged();
                group.push(id);
            }
            rest = tail;
        }
        surface.finish();
        page.finish();
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_keep_the_word_boundary() {
        let lines = wrap("eins zwei drei", 8);
        assert_eq!(lines, vec!["eins ", "zwei ", "drei"]);
        assert_eq!(wrap(&"x".repeat(10), 4).len(), 3);
    }

    #[test]
    fn unprintable_characters_are_replaced() {
        assert_eq!(printable("Grüße 😀\tß €"), "Grüße ? ß €");
    }

    #[test]
    fn writes_a_valid_pdfa_with_an_embedded_file() {
        let blocks = vec![
            Block::H1("Titel".into()),
            Block::P("Straße ".repeat(400)),
            Block::Gap,
            Block::P("Ende".into()),
        ];
        let files = vec![Ok(FileToEmbed {
            name: "a.txt".into(),
            mime: "text/plain".into(),
            description: "Anhang a.txt".into(),
            data: b"hallo".to_vec(),
        })];
        let pdf = render("Titel", &blocks, files.into_iter(), Timestamp::UNIX_EPOCH);
        let pdf = match pdf {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        };
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("pdfaid:part"));
        assert!(text.contains("StructTreeRoot"));
    }
}
