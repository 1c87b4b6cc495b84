use chrono::TimeZone;

use super::*;

fn info() -> DocumentInfo {
    let zone = FixedOffset::east_opt(3600).unwrap();
    DocumentInfo {
        title: "Leadbench-dashboard · Q4".to_owned(),
        created: zone.with_ymd_and_hms(2024, 12, 31, 23, 59, 0).unwrap(),
    }
}

fn sample() -> Vec<u8> {
    // 3 x 2 pixels: a red, green, blue row over a white row.
    let pixels = [
        255, 0, 0, 0, 255, 0, 0, 0, 255, //
        255, 255, 255, 255, 255, 255, 255, 255, 255,
    ];
    let image = RgbImage {
        pixels: &pixels,
        width: 3,
        height: 2,
    };
    image_page(image, &info()).unwrap()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// Reads the cross-reference table the trailer points at and returns the
/// offsets it lists for objects 1 and up.
fn xref_offsets(pdf: &[u8]) -> Vec<usize> {
    let tail = std::str::from_utf8(&pdf[rfind(pdf, b"startxref").unwrap()..]).unwrap();
    let xref_at: usize = tail.lines().nth(1).unwrap().trim().parse().unwrap();
    assert!(
        pdf[xref_at..].starts_with(b"xref\n"),
        "startxref points at the table"
    );
    let table = std::str::from_utf8(&pdf[xref_at..]).unwrap();
    let mut lines = table.split('\n').skip(1);
    let header: Vec<usize> = lines
        .next()
        .unwrap()
        .split(' ')
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(header[0], 0);
    let entries: Vec<&str> = lines.take(header[1]).collect();
    assert_eq!(entries[0], "0000000000 65535 f\r");
    entries[1..]
        .iter()
        .map(|entry| {
            assert_eq!(entry.len() + 1, 20, "each entry is 20 bytes");
            assert!(entry.ends_with(" 00000 n\r"));
            entry[..10].parse().unwrap()
        })
        .collect()
}

#[test]
fn file_has_header_and_trailer() {
    let pdf = sample();
    assert!(pdf.starts_with(b"%PDF-1.4\n"));
    assert!(pdf.ends_with(b"%%EOF\n"));
    let trailer = find(&pdf, b"trailer\n<< /Size 7 /Root 1 0 R /Info 6 0 R >>");
    assert!(trailer.is_some());
}

#[test]
fn xref_offsets_point_at_their_objects() {
    let pdf = sample();
    let offsets = xref_offsets(&pdf);
    assert_eq!(offsets.len(), 6);
    for (index, offset) in offsets.iter().enumerate() {
        let expected = format!("{} 0 obj\n", index + 1);
        assert!(
            pdf[*offset..].starts_with(expected.as_bytes()),
            "object {} at byte {offset}",
            index + 1
        );
    }
}

#[test]
fn image_stream_holds_the_pixels() {
    let pdf = sample();
    let head = find(&pdf, b"/Subtype /Image").unwrap();
    let length_at = head + find(&pdf[head..], b"/Length ").unwrap() + 8;
    let digits = pdf[length_at..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let length: usize = std::str::from_utf8(&pdf[length_at..length_at + digits])
        .unwrap()
        .parse()
        .unwrap();
    let start = length_at + find(&pdf[length_at..], b"stream\n").unwrap() + 7;
    assert!(pdf[start + length..].starts_with(b"\nendstream"));
    let pixels = miniz_oxide::inflate::decompress_to_vec_zlib(&pdf[start..start + length]).unwrap();
    assert_eq!(pixels.len(), 18);
    assert_eq!(&pixels[..3], &[255, 0, 0]);
}

#[test]
fn info_has_title_and_date() {
    let pdf = sample();
    assert!(find(&pdf, text_string("Leadbench-dashboard · Q4").as_bytes()).is_some());
    assert_eq!(date(&info().created), "D:20241231235900+01'00'");
    assert!(find(&pdf, text_string("D:20241231235900+01'00'").as_bytes()).is_some());
    assert_eq!(text_string("A€"), "<FEFF004120AC>");
}

#[test]
fn image_is_centred_inside_the_margins() {
    let wide = fit(2000, 1000);
    assert!((wide.width - (A4_LANDSCAPE.0 - 2.0 * MARGIN)).abs() < 1e-6);
    assert!((wide.y * 2.0 + wide.height - A4_LANDSCAPE.1).abs() < 1e-6);
    let tall = fit(1344, 1428);
    assert!((tall.height - (A4_LANDSCAPE.1 - 2.0 * MARGIN)).abs() < 1e-6);
    assert!((tall.x * 2.0 + tall.width - A4_LANDSCAPE.0).abs() < 1e-6);
}

#[test]
fn wrong_pixel_count_names_the_sizes() {
    let image = RgbImage {
        pixels: &[0; 5],
        width: 2,
        height: 1,
    };
    let error = image_page(image, &info()).unwrap_err().to_string();
    assert!(error.contains("5 bytes for 2 x 1 pixels"), "{error}");
    assert!(error.contains("exactly 6 bytes"), "{error}");
}

/// Lets `qpdf --check` or `pdfinfo` judge the file when either is
/// installed; the checks above run either way.
#[test]
fn external_checker_accepts_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sample.pdf");
    std::fs::write(&path, sample()).unwrap();
    let checkers: [(&str, &[&str]); 2] = [("qpdf", &["--check"]), ("pdfinfo", &[])];
    for (tool, args) in checkers {
        let output = match std::process::Command::new(tool)
            .args(args)
            .arg(&path)
            .output()
        {
            Ok(output) => output,
            Err(_) => {
                eprintln!("{tool} is not installed; skipping its check");
                continue;
            }
        };
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{tool} rejected the file: {text}");
        assert!(
            !text.to_ascii_lowercase().contains("warning"),
            "{tool}: {text}"
        );
    }
}
