//! Streams a PDF whose embedded files are too big to hold in memory.
//!
//! krilla writes the document (text, tags, XMP, PDF/A validation) with a
//! short placeholder as the data of each embedded file. [`SplicedPdf`]
//! then describes the final file as a sequence of parts: krilla's bytes, the
//! embedded file dictionaries with the real `/Length`, `/Params /Size` and
//! `/Params /CheckSum` (MD5, PDF 1.7 §7.11.4), the blob of each file in
//! place of its placeholder, and a cross-reference table whose offsets are
//! moved by what was spliced in before them. The result is one ordinary
//! PDF revision, as krilla would have written it with the real bytes
//! (uncompressed); only the parts' description is held in memory, and
//! the blobs are read chunk by chunk while the response is sent.

use std::ops::Range;

use md5::{Digest, Md5};

use super::Error;
use crate::store::{ReadAccess, Store, blobs};

/// Bytes per piece handed to the sink.
const PIECE: usize = 256 * 1024;

/// PDF/A's largest integer (ISO 19005-3 §6.1.13, PDF 1.7 Annex C): offsets,
/// `/Length` and `startxref` must stay below it.
pub const MAX_PDF_LEN: u64 = i32::MAX as u64;

/// An embedded file as it lies in the blob store.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub blob: u64,
    pub len: u64,
    pub md5: [u8; 16],
}

/// The placeholder data krilla embeds for file `index` of one document:
/// unique through the document's random `nonce`, so it cannot occur in the
/// output by chance or through text a user wrote.
pub fn placeholder(nonce: &[u8; 16], index: usize) -> Vec<u8> {
    format!("MV-EMBEDDED-FILE-{}-{index}", hex::encode(nonce)).into_bytes()
}

/// Length and MD5 of a blob in one pass over its chunks; `None` if there
/// is no such blob.
pub fn checksum(tx: &impl ReadAccess, blob: u64) -> Result<Option<StoredFile>, Error> {
    let mut md5 = Md5::new();
    let mut len = 0u64;
    let found = blobs::read_chunks(tx, blob, |c| {
        md5.update(c);
        len += c.len() as u64;
        true
    })?;
    Ok(found.then(|| StoredFile {
        blob,
        len,
        md5: md5.finalize().into(),
    }))
}

#[derive(Debug)]
enum Part {
    /// A range of krilla's output.
    Krilla(Range<usize>),
    /// Bytes written here (an edited dictionary, the new xref table).
    Own(Vec<u8>),
    /// An embedded file's bytes, read from the store while streaming.
    Blob(StoredFile),
}

impl Part {
    fn len(&self) -> u64 {
        match self {
            Part::Krilla(r) => r.len() as u64,
            Part::Own(b) => b.len() as u64,
            Part::Blob(f) => f.len,
        }
    }
}

/// A replacement of `remove` bytes of krilla's output at `at`.
struct Edit {
    at: usize,
    remove: usize,
    insert: Part,
}

/// The final PDF: krilla's output with the embedded files spliced in.
#[derive(Debug)]
pub struct SplicedPdf {
    pdf: Vec<u8>,
    parts: Vec<Part>,
    len: u64,
}

fn layout(what: &str) -> Error {
    Error::Internal(format!("PDF splice: unexpected layout ({what})"))
}

fn find(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    hay.windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

/// Replaces the single `key value` pair (`/Length 42` …) of `dict`.
fn replace_pair(dict: &[u8], key: &str, old: usize, new: &str) -> Result<Vec<u8>, Error> {
    let needle = format!("{key} {old}\n");
    let at = find(dict, needle.as_bytes());
    let [at] = at.as_slice() else {
        return Err(layout(key));
    };
    let mut out = dict[..*at].to_vec();
    out.extend_from_slice(new.as_bytes());
    out.extend_from_slice(&dict[at + needle.len()..]);
    Ok(out)
}

/// Parses a decimal number of ASCII digits.
fn number(bytes: &[u8]) -> Result<u64, Error> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| layout("number"))
}

impl SplicedPdf {
    /// Describes `pdf` (krilla's output) with the placeholder of each of
    /// `files` replaced by the stored file. Fails if a placeholder is not
    /// found exactly once as the data of an uncompressed stream, or if the
    /// result would exceed [`MAX_PDF_LEN`].
    pub fn new(pdf: Vec<u8>, files: Vec<(Vec<u8>, StoredFile)>) -> Result<Self, Error> {
        let mut edits = Vec::new();
        for (token, file) in files {
            let [data] = find(&pdf, &token)[..] else {
                return Err(layout("placeholder"));
            };
            if !pdf[..data].ends_with(b">>\nstream\n")
                || !pdf[data + token.len()..].starts_with(b"\nendstream")
            {
                return Err(layout("placeholder stream"));
            }
            let dict_end = data - b"stream\n".len();
            let dict_start = pdf[..dict_end]
                .windows(7)
                .rposition(|w| w == b" 0 obj\n")
                .map(|p| p + 7)
                .ok_or_else(|| layout("object"))?;
            let dict = &pdf[dict_start..dict_end];
            if find(dict, b"/Type /EmbeddedFile\n").len() != 1 || !find(dict, b"/Filter").is_empty()
            {
                return Err(layout("embedded file dictionary"));
            }
            let dict = replace_pair(
                dict,
                "/Length",
                token.len(),
                &format!("/Length {}\n", file.len),
            )?;
            let dict = replace_pair(
                &dict,
                "/Size",
                token.len(),
                &format!(
                    "/Size {}\n    /CheckSum <{}>\n",
                    file.len,
                    hex::encode_upper(file.md5)
                ),
            )?;
            edits.push(Edit {
                at: dict_start,
                remove: dict_end - dict_start,
                insert: Part::Own(dict),
            });
            edits.push(Edit {
                at: data,
                remove: token.len(),
                insert: Part::Blob(file),
            });
        }
        edits.sort_by_key(|e| e.at);
        if edits.windows(2).any(|w| w[0].at + w[0].remove > w[1].at) {
            return Err(layout("overlapping files"));
        }
        // The shift of krilla's offset `o` once the edits are applied.
        let shift = |o: usize| -> i64 {
            edits
                .iter()
                .filter(|e| e.at + e.remove <= o)
                .map(|e| e.insert.len() as i64 - e.remove as i64)
                .sum()
        };

        // The cross-reference table and trailer, rewritten.
        let tail_at = pdf
            .windows(11)
            .rposition(|w| w == b"\nstartxref\n")
            .ok_or_else(|| layout("startxref"))?;
        let xref_at = usize::try_from(number(
            pdf[tail_at + 11..]
                .split(|b| *b == b'\n')
                .next()
                .unwrap_or_default(),
        )?)
        .map_err(|_| layout("startxref"))?;
        if !pdf.get(xref_at..).is_some_and(|x| x.starts_with(b"xref\n")) || xref_at > tail_at {
            return Err(layout("xref"));
        }
        let mut xref = b"xref\n".to_vec();
        let mut at = xref_at + 5;
        while !pdf[at..].starts_with(b"trailer\n") {
            let line_end = pdf
                .get(at..tail_at)
                .ok_or_else(|| layout("xref table"))?
                .iter()
                .position(|b| *b == b'\n')
                .ok_or_else(|| layout("xref subsection"))?;
            let header = &pdf[at..at + line_end];
            let count = header
                .split(|b| *b == b' ')
                .nth(1)
                .ok_or_else(|| layout("xref subsection"))?;
            let count = usize::try_from(number(count)?).map_err(|_| layout("xref"))?;
            xref.extend_from_slice(&pdf[at..=at + line_end]);
            at += line_end + 1;
            for _ in 0..count {
                let entry = pdf
                    .get(at..(at + 20).min(tail_at))
                    .filter(|e| e.len() == 20)
                    .ok_or_else(|| layout("xref entry"))?;
                if entry[17] == b'n' {
                    let offset = number(&entry[..10])?;
                    let moved = offset as i64 + shift(offset as usize);
                    xref.extend_from_slice(format!("{moved:010}").as_bytes());
                    xref.extend_from_slice(&entry[10..]);
                } else {
                    xref.extend_from_slice(entry);
                }
                at += 20;
            }
        }
        xref.extend_from_slice(&pdf[at..tail_at]);
        xref.extend_from_slice(
            format!("\nstartxref\n{}\n%%EOF", xref_at as i64 + shift(xref_at)).as_bytes(),
        );
        edits.push(Edit {
            at: xref_at,
            remove: pdf.len() - xref_at,
            insert: Part::Own(xref),
        });

        let mut parts = Vec::new();
        let mut cursor = 0;
        for e in edits {
            if e.at > cursor {
                parts.push(Part::Krilla(cursor..e.at));
            }
            parts.push(e.insert);
            cursor = e.at + e.remove;
        }
        let len = parts.iter().map(Part::len).sum();
        if len > MAX_PDF_LEN {
            return Err(Error::Internal(format!(
                "PDF: {len} bytes exceed PDF/A's limit"
            )));
        }
        Ok(Self { pdf, parts, len })
    }

    /// The length of the final file (the Content-Length).
    pub fn byte_len(&self) -> u64 {
        self.len
    }

    /// Hands the file to `sink` in pieces of at most 256 KiB until it
    /// returns false (the client is gone). `read_blob(id, f)` hands a
    /// blob's chunks to `f` and returns whether the blob exists. A blob
    /// that has vanished or changed length since [`checksum`] is an error:
    /// the body is then cut short of its announced length.
    pub fn write(
        &self,
        mut read_blob: impl FnMut(u64, &mut dyn FnMut(&[u8]) -> bool) -> Result<bool, Error>,
        sink: &mut dyn FnMut(Vec<u8>) -> bool,
    ) -> Result<(), Error> {
        for part in &self.parts {
            let bytes = match part {
                Part::Krilla(r) => &self.pdf[r.clone()],
                Part::Own(b) => b.as_slice(),
                Part::Blob(f) => {
                    let mut sent = 0u64;
                    let mut open = true;
                    let found = read_blob(f.blob, &mut |c| {
                        sent += c.len() as u64;
                        open = c.chunks(PIECE).all(|p| sink(p.to_vec()));
                        open
                    })?;
                    if !open {
                        return Ok(());
                    }
                    if !found || sent != f.len {
                        return Err(Error::Internal(format!(
                            "PDF: attachment blob {} changed while exporting",
                            f.blob
                        )));
                    }
                    continue;
                }
            };
            if !bytes.chunks(PIECE).all(|p| sink(p.to_vec())) {
                return Ok(());
            }
        }
        Ok(())
    }

    /// [`write`](Self::write) with the blobs of `store`, each read in a
    /// snapshot of its own (a slow client holds none for the whole file).
    pub fn write_from(
        &self,
        store: &Store,
        sink: &mut dyn FnMut(Vec<u8>) -> bool,
    ) -> Result<(), Error> {
        self.write(
            |blob, chunk| store.read(|tx| Ok::<_, Error>(blobs::read_chunks(tx, blob, chunk)?)),
            sink,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::pdfa::{self, Block, FileToEmbed};
    use jiff::Timestamp;

    /// Checks that every object the cross-reference table lists starts at
    /// its offset and that `startxref` points at the table.
    fn assert_xref(pdf: &[u8]) {
        let text = String::from_utf8_lossy(pdf);
        let xref: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .and_then(|n| n.parse().ok())
            .expect("startxref");
        assert!(pdf[xref..].starts_with(b"xref\n0 "), "startxref");
        let mut lines = pdf[xref..].split(|b| *b == b'\n').skip(1);
        let count: usize = String::from_utf8_lossy(lines.next().expect("subsection"))
            .split(' ')
            .nth(1)
            .and_then(|n| n.parse().ok())
            .expect("count");
        for (id, line) in lines.take(count).enumerate() {
            if line.get(17) == Some(&b'n') {
                let at: usize = String::from_utf8_lossy(&line[..10])
                    .parse()
                    .expect("offset");
                assert!(
                    pdf[at..].starts_with(format!("{id} 0 obj\n").as_bytes()),
                    "object {id} at {at}"
                );
            }
        }
    }

    fn render(files: Vec<(String, Vec<u8>)>) -> Vec<u8> {
        let blocks = vec![Block::H1("Titel".into()), Block::P("Text".into())];
        let files = files.into_iter().map(|(name, data)| {
            Ok(FileToEmbed {
                name,
                mime: "application/pdf".into(),
                description: "Anhang".into(),
                data,
            })
        });
        match pdfa::render("Titel", &blocks, files, Timestamp::UNIX_EPOCH) {
            Ok(pdf) => pdf,
            Err(e) => panic!("{e}"),
        }
    }

    fn stored(blob: u64, data: &[u8]) -> StoredFile {
        StoredFile {
            blob,
            len: data.len() as u64,
            md5: Md5::digest(data).into(),
        }
    }

    fn blobs() -> Vec<Vec<u8>> {
        vec![
            (0..700_000u32).map(|i| (i * 7 % 251) as u8).collect(),
            b"stream\nendstream\n%%EOF".to_vec(),
            Vec::new(),
        ]
    }

    fn spliced() -> SplicedPdf {
        let nonce = [7u8; 16];
        let data = blobs();
        let names = ["a.pdf", "b.pdf", "leer.pdf"];
        let pdf = render(
            names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.to_string(), placeholder(&nonce, i)))
                .collect(),
        );
        let files = data
            .iter()
            .enumerate()
            .map(|(i, d)| (placeholder(&nonce, i), stored(i as u64, d)))
            .collect();
        match SplicedPdf::new(pdf, files) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    fn written(s: &SplicedPdf, data: &[Vec<u8>]) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        s.write(
            |id, f| {
                Ok(match data.get(id as usize) {
                    Some(d) => {
                        let _ = d.chunks(100_000).all(&mut *f);
                        true
                    }
                    None => false,
                })
            },
            &mut |piece| {
                assert!(piece.len() <= PIECE);
                out.extend_from_slice(&piece);
                true
            },
        )?;
        Ok(out)
    }

    #[test]
    fn the_files_are_spliced_in_with_length_size_checksum_and_a_moved_xref() {
        let s = spliced();
        let data = blobs();
        let pdf = match written(&s, &data) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(pdf.len() as u64, s.byte_len());
        assert!(pdf.ends_with(b"\n%%EOF"));
        assert!(!String::from_utf8_lossy(&pdf).contains("MV-EMBEDDED-FILE"));
        assert_xref(&pdf);
        for d in &data {
            let mut framed = format!(
                "/Size {}\n    /CheckSum <{}>\n",
                d.len(),
                hex::encode_upper(Md5::digest(d))
            )
            .into_bytes();
            let at = pdf
                .windows(framed.len())
                .position(|w| w == framed.as_slice())
                .expect("params");
            framed = format!("/Length {}\n", d.len()).into_bytes();
            assert!(
                pdf[..at]
                    .windows(framed.len())
                    .any(|w| w == framed.as_slice())
            );
            let mut stream = b">>\nstream\n".to_vec();
            stream.extend_from_slice(d);
            stream.extend_from_slice(b"\nendstream");
            assert!(pdf.windows(stream.len()).any(|w| w == stream.as_slice()));
        }
        // krilla's own output with the real bytes has the same objects at
        // the same places, but for the checksums' bytes and the instance id.
        let direct = render(vec![
            ("a.pdf".into(), data[0].clone()),
            ("b.pdf".into(), data[1].clone()),
            ("leer.pdf".into(), data[2].clone()),
        ]);
        assert_xref(&direct);
        assert_eq!(
            direct.len() + 3 * "    /CheckSum <>\n".len() + 3 * 32,
            pdf.len()
        );
    }

    #[test]
    fn a_vanished_blob_fails_and_a_gone_client_stops() {
        let s = spliced();
        let mut data = blobs();
        data.truncate(1);
        assert!(written(&s, &data).is_err());
        let mut pieces = 0;
        let r = s.write(
            |_, f| {
                let _ = f(&[0u8; 10]) && f(&[0u8; 10]);
                Ok(true)
            },
            &mut |_| {
                pieces += 1;
                pieces < 3
            },
        );
        assert!(r.is_ok());
        assert_eq!(pieces, 3);
    }

    #[test]
    fn a_missing_placeholder_is_refused() {
        let pdf = render(vec![("a.pdf".into(), b"anders".to_vec())]);
        let r = SplicedPdf::new(pdf, vec![(placeholder(&[1; 16], 0), stored(0, b"x"))]);
        assert!(r.is_err());
    }
}
