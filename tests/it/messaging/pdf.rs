//! "Als PDF exportieren" (issue 22 §4): a conversation as one tagged
//! PDF/A-3a document with its attachments embedded byte for byte, access
//! as for the message view, the export in the Protokoll; receipts of
//! Beamtenformulare are PDF/A too (see also `forms`).

use crate::messaging::{CSV, PDF, PNG, message_id, send, world, write};
use crate::support::accounts::signed_in;

/// Finds `needle` in `hay` from `from`.
fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// The embedded file streams of `pdf` (uncompressed, as the portal writes
/// them): (object dictionary, bytes).
pub fn embedded_files(pdf: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(p) = find(pdf, b"/Type /EmbeddedFile\n", at) {
        let obj = pdf[..p]
            .windows(5)
            .rposition(|w| w == b" obj\n")
            .expect("object start");
        let start = find(pdf, b">>\nstream\n", p).expect("stream keyword");
        let dict = String::from_utf8_lossy(&pdf[obj..start]).into_owned();
        let length: usize = dict
            .split("/Length ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .expect("direct /Length");
        let data = start + b">>\nstream\n".len();
        out.push((dict, pdf[data..data + length].to_vec()));
        at = data + length;
    }
    out
}

/// Checks the file structure a reader relies on: `startxref` points at the
/// cross-reference table, and every object it lists starts at its offset.
pub fn assert_xref(pdf: &[u8]) {
    assert!(pdf.ends_with(b"\n%%EOF"), "end of file marker");
    let text = String::from_utf8_lossy(pdf);
    let xref: usize = text
        .rsplit("startxref\n")
        .next()
        .and_then(|t| t.lines().next())
        .and_then(|n| n.parse().ok())
        .expect("startxref");
    assert!(
        pdf[xref..].starts_with(b"xref\n0 "),
        "startxref points at xref"
    );
    let mut lines = pdf[xref..].split(|b| *b == b'\n').skip(1);
    let count: usize = String::from_utf8_lossy(lines.next().expect("subsection"))
        .split(' ')
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("object count");
    let mut objects = 0;
    for (id, line) in lines.take(count).enumerate() {
        if line.get(17) == Some(&b'n') {
            let at: usize = String::from_utf8_lossy(&line[..10])
                .parse()
                .expect("offset");
            assert!(
                pdf[at..].starts_with(format!("{id} 0 obj\n").as_bytes()),
                "object {id} at offset {at}"
            );
            objects += 1;
        }
    }
    assert!(objects > 10, "{objects} objects");
    assert!(text.contains("trailer\n"), "trailer");
}

/// Checks what every portal PDF/A promises: XMP names PDF/A-3a, tagged,
/// title and language, and a sound cross-reference table.
pub fn assert_pdfa(pdf: &[u8], title_part: &str) {
    assert!(pdf.starts_with(b"%PDF-1.7"), "PDF 1.7 for PDF/A-3");
    assert_xref(pdf);
    let text = String::from_utf8_lossy(pdf);
    assert!(
        text.contains("<pdfaid:part>3</pdfaid:part>"),
        "XMP names PDF/A part 3"
    );
    assert!(
        text.contains("<pdfaid:conformance>A</pdfaid:conformance>"),
        "XMP names conformance A"
    );
    assert!(text.contains("/StructTreeRoot"), "tagged: structure tree");
    assert!(text.contains("/MarkInfo"), "tagged: MarkInfo");
    assert!(text.contains("/Marked true"), "tagged: Marked");
    assert!(text.contains("/Lang (de)"), "document language");
    let title = text
        .split("<dc:title>")
        .nth(1)
        .and_then(|t| t.split("</dc:title>").next())
        .unwrap_or_default();
    assert!(title.contains(title_part), "title {title:?}");
}

#[tokio::test]
async fn a_conversation_exports_as_pdfa_with_its_attachments_and_is_audited() {
    let w = world(&[]).await;
    let admin = signed_in(&w.server, &w.admin_a).await;
    let sent = write(
        &admin,
        "administration",
        "Beitragsabrechnung März",
        "Beihilfe",
        "Abrechnung",
        "Sehr geehrte Damen und Herren,\nanbei die Abrechnung. 😀",
        &[
            ("Abrechnung.pdf", PDF.to_vec()),
            ("Liste März.csv", CSV.to_vec()),
        ],
    )
    .await;
    let first = message_id(&sent.url);
    let clerk = signed_in(&w.server, &w.clerk_beihilfe).await;
    let kp = clerk.follow(&clerk.get("/postfach").await).await;
    let link = kp.html().link_hrefs("Beitragsabrechnung März")[0].clone();
    let reply_page = clerk.get(&format!("{link}/antworten")).await;
    // The same file name again: embedded under a name of its own.
    let big: Vec<u8> = PNG
        .iter()
        .copied()
        .chain((0..300_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8))
        .collect();
    let res = send(
        &clerk,
        &reply_page,
        &[("Text", "Vielen Dank, die Abrechnung ist eingegangen.")],
        &[("Abrechnung.pdf", PDF.to_vec()), ("Bild.png", big.clone())],
    )
    .await;
    res.assert_redirect("/postfach/kasse-beihilfe/nachricht/");

    // The message view offers the export.
    let view = admin
        .get(&format!("/postfach/administration/nachricht/{first}"))
        .await;
    view.assert_contains("Als PDF exportieren");
    let url = format!("/postfach/administration/nachricht/{first}/pdf");
    assert!(view.html().link_hrefs("Als PDF exportieren").contains(&url));

    let (status, headers, pdf) = admin.get_bytes(&url).await;
    assert_eq!(status, 200);
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    let disposition = headers
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    let referenz = disposition
        .split("Unterhaltung-")
        .nth(1)
        .and_then(|s| s.split(".pdf").next())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(referenz.len(), 11, "{disposition}");
    assert_pdfa(&pdf, &referenz);
    let text = String::from_utf8_lossy(&pdf);
    assert!(
        text.contains("Beitragsabrechnung M"),
        "subject in the title"
    );

    // All four attachments of both messages, byte-identical, with names
    // and types.
    let files = embedded_files(&pdf);
    assert_eq!(
        files.len(),
        4,
        "{:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    let mut contents: Vec<Vec<u8>> = files.iter().map(|f| f.1.clone()).collect();
    contents.sort();
    let mut expected = vec![PDF.to_vec(), CSV.to_vec(), PDF.to_vec(), big];
    expected.sort();
    assert!(
        contents == expected,
        "embedded files differ from the uploads"
    );
    for (dict, data) in &files {
        assert!(!dict.contains("/Filter"), "stored as is: {dict}");
        assert!(dict.contains("/Subtype /"), "MIME type: {dict}");
        assert!(dict.contains(&format!("/Size {}\n", data.len())), "{dict}");
        let md5 = hex::encode_upper(<md5::Md5 as md5::Digest>::digest(data));
        assert!(dict.contains(&format!("/CheckSum <{md5}>")), "{dict}");
    }
    for name in [
        "(Abrechnung.pdf)",
        "(Liste_Maerz.csv)",
        "(Bild.png)",
        "_Abrechnung.pdf)",
    ] {
        assert!(text.contains(name), "file spec {name}");
    }
    assert!(text.contains("/AF"), "associated files");

    // Access as for the message view: another organisation, a Nutzer:in
    // without the group mailbox and the other Kassen clerk get 404; the
    // clerk of Beihilfe exports from the Kassenpostfach.
    let admin_b = signed_in(&w.server, &w.admin_b).await;
    let plain = signed_in(&w.server, &w.plain_a).await;
    let zv = signed_in(&w.server, &w.clerk_zv).await;
    for c in [&admin_b, &plain, &zv] {
        let (status, _, body) = c.get_bytes(&url).await;
        assert_eq!(status, 404);
        assert!(!body.starts_with(b"%PDF"));
    }
    let clerk_id = message_id(&link);
    for c in [&admin_b, &plain, &zv, &admin] {
        let (status, _, _) = c
            .get_bytes(&format!(
                "/postfach/kasse-beihilfe/nachricht/{clerk_id}/pdf"
            ))
            .await;
        assert_eq!(status, 404);
    }
    let (status, _, _) = plain
        .get_bytes(&format!("/postfach/persoenlich/nachricht/{first}/pdf"))
        .await;
    assert_eq!(status, 404, "an id of another mailbox");
    let (status, _, clerk_pdf) = clerk.get_bytes(&format!("{link}/pdf")).await;
    assert_eq!(status, 200);
    assert_eq!(embedded_files(&clerk_pdf).len(), 4);

    // The Protokoll of the organisation names the export.
    let log = admin.get("/protokoll").await;
    log.assert_status(200);
    log.assert_contains("Unterhaltung als PDF exportiert");
    log.assert_contains(&format!("Unterhaltung {referenz} als PDF exportiert"));
}

/// Peak memory of exporting a conversation of ten messages with a 10 MB
/// attachment each (docs/performance.md, "Conversation export"). The test process is the
/// server; its peak RSS (VmHWM) is reset right before the export, and the
/// client discards the body as it arrives. Run alone:
/// `cargo test --test it messaging::pdf::export_peak_rss -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "measurement: 100 MB of uploads; run alone"]
async fn export_peak_rss() {
    let w = world(&[]).await;
    let admin = signed_in(&w.server, &w.admin_a).await;
    let blob = |seed: u32| -> Vec<u8> {
        PNG.iter()
            .copied()
            .chain(
                (0..(10 * 1024 * 1024 - 64 * 1024) as u32)
                    .map(|i| (i.wrapping_add(seed).wrapping_mul(2_654_435_761) >> 13) as u8),
            )
            .collect()
    };
    let mut page = write(
        &admin,
        "administration",
        "Große Unterhaltung",
        "Beihilfe",
        "Abrechnung",
        "Nachricht 1",
        &[("Teil1.png", blob(1))],
    )
    .await;
    let first = message_id(&page.url);
    for n in 2..=10u32 {
        let id = message_id(&page.url);
        let reply = admin
            .get(&format!(
                "/postfach/administration/nachricht/{id}/antworten"
            ))
            .await;
        let res = send(
            &admin,
            &reply,
            &[("Text", &format!("Nachricht {n}"))],
            &[(&format!("Teil{n}.png"), blob(n))],
        )
        .await;
        res.assert_redirect("/postfach/administration/nachricht/");
        page = admin.follow(&res).await;
    }
    let status_line = |key: &str| {
        std::fs::read_to_string("/proc/self/status")
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with(key))
            .map(str::to_owned)
            .unwrap_or_default()
    };
    // "5" resets the peak to the current RSS.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = status_line("VmRSS:");
    let started = std::time::Instant::now();
    let (status, len) = admin
        .get_discarding(&format!("/postfach/administration/nachricht/{first}/pdf"))
        .await;
    assert_eq!(status, 200);
    assert!(len > 100 * 1024 * 1024 - 700 * 1024, "{len} bytes");
    let peak = status_line("VmHWM:");
    println!(
        "export of 10 × 10 MB: {len} bytes in {:?}; before: {before}; peak: {peak}",
        started.elapsed(),
    );
    let kb = |line: &str| -> u64 {
        line.split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or_default()
    };
    // Streamed: the peak grows by a few chunks, far from the 100 MB file.
    assert!(
        kb(&peak) < kb(&before) + 40 * 1024,
        "the export was held in memory: {before}, {peak}"
    );
}
