//! Issue 13: entitled persons, Datenimport (UI and CLI), list, details with
//! Lebenslauf, contact edit, grants and organisation boundaries.

/// Datenimport in daily use (issue 20).
mod import;

use crate::support::accounts::signed_in;
use crate::support::persons::{self, People, beamter};
use crate::support::{Client, Page, TestServer};

const HEADER: &str =
    "Personalnummer;Art;Name;Vorname;Geburtsdatum;Straße;PLZ;Ort;Telefon;E-Mail;Geschäftsbereich";
const PERIOD_HEADER: &str =
    "Personalnummer;Von;Bis;Dienststelle;Amtsbezeichnung;Besoldungsgruppe;Beschäftigungsumfang";

/// A file of `n` persons; `bad` lines (file line numbers, header = 1) are broken.
pub fn persons_csv(n: usize, bad: &[usize]) -> String {
    let mut out = format!("\u{feff}{HEADER}\n");
    for i in 0..n {
        let line = i + 2;
        let pnr = format!("P{:05}", i + 1);
        let art = ["Beamter", "Versorgungsempfänger", "Hinterbliebener"][i % 3];
        let row = match bad.iter().position(|b| *b == line) {
            Some(0) => format!(
                "{pnr};{art};Name{i:05};Vorname;31.02.1970;Weg 1;12345;Ort;;;Beamtenversorgung"
            ),
            Some(1) => format!(
                "{pnr};Pirat;Name{i:05};Vorname;01.02.1970;Weg 1;12345;Ort;;;Beamtenversorgung"
            ),
            Some(_) => format!(
                "{pnr};{art};Name{i:05};Vorname;01.02.1970;Weg 1;1234;Ort;;;Beamtenversorgung"
            ),
            None => format!(
                "{pnr};{art};Name{i:05};Vorname;01.02.1970;Weg 1;12345;Ort;0301 22;p{i}@example.org;Beamtenversorgung"
            ),
        };
        out.push_str(&row);
        out.push('\n');
    }
    out
}

async fn import(kassen: &Client, kind: &str, file: &str, button: &str) -> Page {
    let page = kassen.get("/kassen/datenimport").await;
    page.assert_status(200);
    page.form_with_button(button)
        .select("Mitglied", "Blaugraben (78970)")
        .select("Art der Datei", kind)
        .attach("CSV-Datei", "daten.csv", file.as_bytes())
        .submit_with(kassen, button)
        .await
}

async fn start() -> (TestServer, People) {
    persons::start(TestServer::builder(), |_, _| Vec::new()).await
}

#[tokio::test]
async fn import_dry_run_reports_bad_rows_and_imports_nothing_then_the_fixed_file() {
    let (server, people) = start().await;
    let kassen = signed_in(&server, &people.kassen).await;
    let viewer = signed_in(&server, &people.viewer).await;
    kassen
        .get("/")
        .await
        .assert_contains("Datenimport")
        .assert_contains("Formularmeldungen");

    let bad = persons_csv(1000, &[101, 502, 1001]);
    let dry = import(&kassen, "Anspruchsberechtigte", &bad, "Probelauf").await;
    dry.assert_status(422);
    dry.assert_contains("3 Fehler gefunden. Es wurde nichts importiert.");
    let rows = rows_of(&dry);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[0][..2], ["101", "Geburtsdatum"], "{rows:?}");
    assert_eq!(rows[1][..2], ["502", "Art"], "{rows:?}");
    assert_eq!(rows[2][..2], ["1001", "PLZ"], "{rows:?}");
    assert_eq!(rows[2][2], "Die PLZ besteht aus fünf Ziffern.");
    // "Importieren" with the same file: all or nothing.
    let refused = import(&kassen, "Anspruchsberechtigte", &bad, "Importieren").await;
    refused.assert_status(422);
    refused.assert_contains("Es wurde nichts importiert.");
    viewer
        .get("/anspruchsberechtigte")
        .await
        .assert_contains("0 Anspruchsberechtigte")
        .assert_contains("Keine Daten vorhanden");

    let good = persons_csv(1000, &[]);
    let dry = import(&kassen, "Anspruchsberechtigte", &good, "Probelauf").await;
    dry.assert_status(200);
    dry.assert_contains("Probelauf ohne Fehler")
        .assert_contains("1000 Zeilen gelesen, 1000 neu, 0 aktualisiert.");
    viewer
        .get("/anspruchsberechtigte")
        .await
        .assert_contains("0 Anspruchsberechtigte");
    let done = import(&kassen, "Anspruchsberechtigte", &good, "Importieren").await;
    done.assert_redirect("/kassen/datenimport?");
    kassen
        .follow(&done)
        .await
        .assert_contains("Import abgeschlossen")
        .assert_contains("1000 Zeilen gelesen, 1000 neu, 0 aktualisiert.");
    let list = viewer.get("/anspruchsberechtigte").await;
    list.assert_contains("1000 Anspruchsberechtigte");
    // Importing again updates by Personalnummer.
    let again = import(&kassen, "Anspruchsberechtigte", &good, "Importieren").await;
    kassen
        .follow(&again)
        .await
        .assert_contains("1000 Zeilen gelesen, 0 neu, 1000 aktualisiert.");
    viewer
        .get("/anspruchsberechtigte")
        .await
        .assert_contains("1000 Anspruchsberechtigte");

    // Lebensläufe: a Versorgungsempfänger (P00002) and an unknown number are refused.
    let periods = format!(
        "{PERIOD_HEADER}\nP00001;01.08.1995;31.12.2009;Bauamt;Stadtinspektor;A 9;100\nP00001;01.01.2010;;Kämmerei;Stadtoberinspektor;A 10;50\nP00002;01.01.2000;;Bauamt;X;A 9;100\nP99999;01.01.2000;;Bauamt;X;A 9;100\n"
    );
    let dry = import(&kassen, "Lebensläufe", &periods, "Probelauf").await;
    dry.assert_contains("2 Fehler gefunden");
    let rows = rows_of(&dry);
    assert_eq!(rows[0][..2], ["4", "Personalnummer"], "{rows:?}");
    assert_eq!(rows[1][..2], ["5", "Personalnummer"], "{rows:?}");
    let fixed: String = periods.lines().take(3).map(|l| format!("{l}\n")).collect();
    let done = import(&kassen, "Lebensläufe", &fixed, "Importieren").await;
    kassen
        .follow(&done)
        .await
        .assert_contains("Import abgeschlossen");
    let details = viewer.get("/anspruchsberechtigte/P00001").await;
    details.assert_status(200);
    details
        .assert_contains("Lebenslauf")
        .assert_contains("Kämmerei")
        .assert_contains("Stadtoberinspektor")
        .assert_contains("50 %");
    assert_eq!(
        rows_of(&details),
        vec![
            vec![
                "01.08.1995",
                "31.12.2009",
                "Bauamt",
                "Stadtinspektor",
                "A 9",
                "100 %"
            ],
            vec![
                "01.01.2010",
                "heute",
                "Kämmerei",
                "Stadtoberinspektor",
                "A 10",
                "50 %"
            ],
        ]
    );
    // A Versorgungsempfänger has no Lebenslauf table.
    viewer
        .get("/anspruchsberechtigte/P00002")
        .await
        .assert_contains("Versorgungsempfänger")
        .assert_not_contains("Lebenslauf");
    // The import is in the Protokoll.
    kassen
        .get("/kassen/protokoll")
        .await
        .assert_contains("Anspruchsberechtigte importiert");
}

#[tokio::test]
async fn list_filters_and_pages_and_shows_only_the_own_organisation() {
    let (server, people) = persons::start(TestServer::builder(), |a, b| {
        let mut out: Vec<_> = (0..45)
            .map(|i| {
                let mut p = beamter(a, &format!("{}", 1000 + i), &format!("Name{i:02}"), "Vera");
                if i % 5 == 0 {
                    p.art = meine_versorgung::domain::persons::Art::Hinterbliebener;
                }
                p
            })
            .collect();
        out.push(beamter(b, "1000", "Fremd", "Frieda"));
        out.push(beamter(b, "9999", "Anderswo", "Anna"));
        out
    })
    .await;
    let viewer = signed_in(&server, &people.viewer).await;
    let first = viewer.get("/anspruchsberechtigte").await;
    first.assert_status(200);
    first.assert_contains("45 Anspruchsberechtigte");
    let names = |p: &Page| p.select_texts("table tbody tr td:first-child");
    let n1 = names(&first);
    assert_eq!(n1.len(), 20);
    assert_eq!(n1[0], "Name00");
    assert_eq!(n1[19], "Name19");
    let next = first.html().link_hrefs("Nächste Seite");
    let second = viewer.get(&next[0]).await;
    let n2 = names(&second);
    assert_eq!(n2.first().map(String::as_str), Some("Name20"));
    assert_eq!(n2.len(), 20);
    let third = viewer
        .get(&second.html().link_hrefs("Nächste Seite")[0])
        .await;
    assert_eq!(names(&third).len(), 5);
    assert!(third.html().link_hrefs("Nächste Seite").is_empty());
    assert_eq!(third.html().link_hrefs("Erste Seite").len(), 1);

    // Filters: Name prefix, Personalnummer, Art.
    let by_name = first
        .form_with_button("Filtern")
        .fill("Name", "name1")
        .submit(&viewer)
        .await;
    assert_eq!(names(&by_name).len(), 10);
    assert!(names(&by_name).iter().all(|n| n.starts_with("Name1")));
    let by_pnr = first
        .form_with_button("Filtern")
        .fill("Personalnummer", "1007")
        .submit(&viewer)
        .await;
    assert_eq!(names(&by_pnr), vec!["Name07".to_owned()]);
    let by_art = first
        .form_with_button("Filtern")
        .select("Art", "Hinterbliebener")
        .submit(&viewer)
        .await;
    by_art.assert_contains("9 Anspruchsberechtigte");
    assert_eq!(names(&by_art).len(), 9);
    by_art.assert_contains("Alle Filter löschen");

    // Another organisation's persons never appear, not even by number.
    first.assert_not_contains("Fremd");
    viewer
        .get("/anspruchsberechtigte?personalnummer=9999")
        .await
        .assert_contains("Keine Daten vorhanden");
    viewer
        .get("/anspruchsberechtigte/9999")
        .await
        .assert_status(404);
    let other = signed_in(&server, &people.other).await;
    let theirs = other.get("/anspruchsberechtigte/1000").await;
    theirs.assert_status(200);
    theirs
        .assert_contains("Fremd")
        .assert_not_contains("Name00");
    other
        .get("/anspruchsberechtigte")
        .await
        .assert_contains("2 Anspruchsberechtigte");
}

#[tokio::test]
async fn contact_edit_is_validated_audited_and_needs_its_grant() {
    let (server, people) = persons::start(TestServer::builder(), |a, b| {
        vec![
            beamter(a, "4711", "Muster", "Moritz"),
            beamter(b, "4712", "Fremd", "Frieda"),
        ]
    })
    .await;
    let full = signed_in(&server, &people.full).await;
    let details = full.get("/anspruchsberechtigte/4711").await;
    details.assert_contains("Alte Straße 1");
    let edit = full
        .get(&details.html().link_hrefs("Kontaktdaten bearbeiten")[0])
        .await;
    edit.assert_status(200);
    let bad = edit
        .form_with_button("Speichern")
        .fill("Straße", "Neue Straße 2")
        .fill("PLZ", "1234")
        .fill("E-Mail-Adresse", "kein-at")
        .submit(&full)
        .await;
    bad.assert_status(422);
    assert_eq!(
        bad.html().field_error("PLZ").as_deref(),
        Some("Die PLZ besteht aus fünf Ziffern.")
    );
    assert!(bad.html().field_error("E-Mail-Adresse").is_some());
    assert_eq!(
        bad.form_with_button("Speichern").value("Straße"),
        "Neue Straße 2"
    );
    full.get("/anspruchsberechtigte/4711")
        .await
        .assert_contains("Alte Straße 1");
    let saved = bad
        .form_with_button("Speichern")
        .fill("PLZ", "12345")
        .fill("E-Mail-Adresse", "moritz@example.org")
        .fill("Telefon", "+49 30 123456")
        .submit(&full)
        .await;
    saved.assert_redirect("/anspruchsberechtigte/4711?hinweis=gespeichert");
    let shown = full.follow(&saved).await;
    shown
        .assert_contains("Die Kontaktdaten wurden gespeichert.")
        .assert_contains("Neue Straße 2")
        .assert_contains("moritz@example.org")
        .assert_contains("Zuletzt geändert");

    // The Kassen see the change with old and new value.
    let kassen = signed_in(&server, &people.kassen).await;
    let log = kassen.get("/kassen/protokoll").await;
    log.assert_contains("Kontaktdaten geändert")
        .assert_contains("Straße: „Alte Straße 1“ → „Neue Straße 2“")
        .assert_contains("PLZ: „59999“ → „12345“");

    // Viewing only: no link, and the edit page and post answer 404.
    let viewer = signed_in(&server, &people.viewer).await;
    let page = viewer.get("/anspruchsberechtigte/4711").await;
    page.assert_status(200);
    assert!(page.html().link_hrefs("Kontaktdaten bearbeiten").is_empty());
    viewer
        .get("/anspruchsberechtigte/4711/bearbeiten")
        .await
        .assert_status(404);
    let csrf = csrf_of(&page);
    viewer
        .post_form(
            "/anspruchsberechtigte/4711/bearbeiten",
            &[
                ("csrf", &csrf),
                ("strasse", "X"),
                ("plz", ""),
                ("ort", ""),
                ("telefon", ""),
                ("email", ""),
            ],
        )
        .await
        .assert_status(404);
    // Another organisation's person: 404 also with the grant.
    full.get("/anspruchsberechtigte/4712/bearbeiten")
        .await
        .assert_status(404);
}

/// The cells of each body row of the page's table.
fn rows_of(page: &Page) -> Vec<Vec<String>> {
    let html = scraper::Html::parse_document(&page.body);
    let row = scraper::Selector::parse("table tbody tr").unwrap();
    let cell = scraper::Selector::parse("td").unwrap();
    html.select(&row)
        .map(|r| {
            r.select(&cell)
                .map(|c| {
                    c.text()
                        .collect::<String>()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect()
        })
        .collect()
}

pub fn csrf_of(page: &Page) -> String {
    page.html()
        .select_attrs("meta[name=csrf-token]", "content")
        .pop()
        .unwrap_or_default()
}

#[tokio::test]
async fn each_function_answers_404_without_its_grant_and_the_navigation_shows_what_is_held() {
    let (server, people) = persons::start(TestServer::builder(), |a, _| {
        vec![beamter(a, "4711", "Muster", "Moritz")]
    })
    .await;
    let nav = |p: &Page| p.select_texts("nav.main-nav a");

    let plain = signed_in(&server, &people.plain).await;
    let home = plain.get("/").await;
    assert!(
        !nav(&home).contains(&"Anspruchsberechtigte".to_owned()),
        "{:?}",
        nav(&home)
    );
    assert!(!nav(&home).contains(&"Formulare".to_owned()));
    for path in [
        "/anspruchsberechtigte",
        "/anspruchsberechtigte/4711",
        "/anspruchsberechtigte/4711/bearbeiten",
        "/formulare",
        "/formulare/beurlaubung",
        "/kassen/datenimport",
        "/kassen/formularmeldungen",
    ] {
        plain.get(path).await.assert_status(404);
    }
    let csrf = csrf_of(&home);
    plain
        .post_form(
            "/formulare/beurlaubung",
            &[("csrf", &csrf), ("person", "4711")],
        )
        .await
        .assert_status(404);
    plain
        .post_form(
            "/formulare/beurlaubung/absenden",
            &[("csrf", &csrf), ("person", "4711")],
        )
        .await
        .assert_status(404);

    let viewer = signed_in(&server, &people.viewer).await;
    let home = viewer.get("/").await;
    assert!(nav(&home).contains(&"Anspruchsberechtigte".to_owned()));
    assert!(!nav(&home).contains(&"Formulare".to_owned()));
    viewer.get("/formulare").await.assert_status(404);

    let full = signed_in(&server, &people.full).await;
    let home = full.get("/").await;
    assert!(nav(&home).contains(&"Anspruchsberechtigte".to_owned()));
    assert!(nav(&home).contains(&"Formulare".to_owned()));

    // The Kassen withdraw the function from the organisation: it leaves the
    // navigation and its pages at once, before any grant is cleaned up.
    let kassen = signed_in(&server, &people.kassen).await;
    let org_page = kassen
        .get(&format!("/kassen/mitglieder/{}", people.org_a))
        .await;
    let saved = org_page
        .form_with_button("Speichern")
        .uncheck_in(
            "Freigegebene Portal-Funktionalitäten",
            "Meldung von Änderungen an aktiven Beamten mittels Beamtenformularen",
        )
        .submit(&kassen)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let home = full.get("/").await;
    assert!(
        !nav(&home).contains(&"Formulare".to_owned()),
        "{:?}",
        nav(&home)
    );
    assert!(nav(&home).contains(&"Anspruchsberechtigte".to_owned()));
    full.get("/formulare").await.assert_status(404);

    // Administrators have no functional use; Kassen pages by role.
    let admin = signed_in(&server, &people.admin).await;
    admin.get("/anspruchsberechtigte").await.assert_status(404);
    admin.get("/formulare").await.assert_status(404);
    let sb_bh = signed_in(&server, &people.sb_bh).await;
    sb_bh
        .get("/kassen/formularmeldungen")
        .await
        .assert_status(404);
    sb_bh.get("/kassen/datenimport").await.assert_status(404);
    let sb_bv = signed_in(&server, &people.sb_bv).await;
    let home = sb_bv.get("/").await;
    assert!(nav(&home).contains(&"Formularmeldungen".to_owned()));
    assert!(!nav(&home).contains(&"Datenimport".to_owned()));
    sb_bv
        .get("/kassen/formularmeldungen")
        .await
        .assert_status(200);
    sb_bv.get("/kassen/datenimport").await.assert_status(404);
}

#[tokio::test]
async fn cli_import_persons_checks_then_imports() {
    use meine_versorgung::store::{self, Store};
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        store
            .write(|tx| {
                let mut org = crate::support::accounts::organisation("Blaugraben", "78970");
                org.id = store::next_id(tx, "org")?;
                store::orgs::put(tx, &org)
            })
            .unwrap();
    }
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, persons_csv(50, &[10])).unwrap();
    let good = dir.path().join("good.csv");
    std::fs::write(&good, persons_csv(50, &[])).unwrap();
    let run = |file: &std::path::Path, dry: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_meine-versorgung"));
        cmd.env("MV_DATA_DIR", dir.path()).args([
            "import-persons",
            "--mitglied",
            "78970",
            "--art",
            "anspruchsberechtigte",
        ]);
        if dry {
            cmd.arg("--probelauf");
        }
        cmd.arg(file).output().unwrap()
    };
    let out = run(&bad, false);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("1 Fehler gefunden, es wurde nichts importiert"),
        "{err}"
    );
    assert!(err.contains("Zeile 10, Spalte Geburtsdatum"), "{err}");
    assert!(err.contains("Geprüft: 49 von 49 Zeilen"), "{err}");
    let out = run(&good, true);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Probelauf ohne Fehler: 50 Zeilen, 50 neu")
    );
    let count = || {
        let store = Store::open(dir.path()).unwrap();
        store.read(|tx| store::persons::count(tx, 1, None)).unwrap()
    };
    assert_eq!(count(), 0);
    let out = run(&good, false);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Import abgeschlossen: 50 Zeilen, 50 neu")
    );
    assert_eq!(count(), 50);
}
