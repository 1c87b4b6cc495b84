//! A minimal PDF writer: one A4 landscape page that shows one RGB image,
//! scaled to fit and centred, plus the document title and creation date.
//!
//! The file has the structure that ISO 32000-1 describes: a header,
//! numbered objects, a cross-reference table with the byte offset of each
//! object, and a trailer. It declares version 1.4 and uses nothing newer.
//! The image is stored Flate-compressed.

use chrono::{DateTime, FixedOffset};

use crate::error::{Error, Result};

/// A4 landscape in points (1/72 inch).
pub const A4_LANDSCAPE: (f64, f64) = (841.89, 595.28);
/// White space around the image, in points.
const MARGIN: f64 = 28.0;

/// Pixels of an image, three bytes (red, green, blue) per pixel, row by
/// row from the top.
#[derive(Debug, Clone, Copy)]
pub struct RgbImage<'a> {
    pub pixels: &'a [u8],
    pub width: u32,
    pub height: u32,
}

/// The document information a PDF viewer shows under Properties.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentInfo {
    pub title: String,
    pub created: DateTime<FixedOffset>,
}

/// Writes a one-page PDF showing `image` on an A4 landscape page.
pub fn image_page(image: RgbImage<'_>, info: &DocumentInfo) -> Result<Vec<u8>> {
    let expected = image.width as usize * image.height as usize * 3;
    if image.width == 0 || image.height == 0 || image.pixels.len() != expected {
        return Err(Error::invalid(
            "image",
            format!(
                "{} bytes for {} x {} pixels",
                image.pixels.len(),
                image.width,
                image.height
            ),
            format!("pass exactly {expected} bytes, three per pixel"),
        ));
    }

    let compressed = miniz_oxide::deflate::compress_to_vec_zlib(image.pixels, 6);
    let (page_width, page_height) = A4_LANDSCAPE;
    let placement = fit(image.width, image.height);
    let content = format!(
        "q\n{:.2} 0 0 {:.2} {:.2} {:.2} cm\n/Im1 Do\nQ\n",
        placement.width, placement.height, placement.x, placement.y
    );

    let mut writer = Writer::new();
    writer.object(b"<< /Type /Catalog /Pages 2 0 R >>");
    writer.object(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    writer.object(
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {page_width} {page_height}] \
             /Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>"
        )
        .as_bytes(),
    );
    let image_dict = format!(
        "/Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace /DeviceRGB \
         /BitsPerComponent 8 /Filter /FlateDecode",
        image.width, image.height
    );
    writer.stream(&image_dict, &compressed);
    writer.stream("", content.as_bytes());
    let info_dict = format!(
        "<< /Title {} /Producer {} /CreationDate {} >>",
        text_string(&info.title),
        text_string("Leadbench"),
        text_string(&date(&info.created)),
    );
    writer.object(info_dict.as_bytes());
    Ok(writer.finish(1, 6))
}

/// Position and size of the image on the page, in points.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Placement {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
}

/// Scales a `width` x `height` image to fit inside the page margins,
/// keeping its proportions, and centres it.
fn fit(width: u32, height: u32) -> Placement {
    let (page_width, page_height) = A4_LANDSCAPE;
    let room = (page_width - 2.0 * MARGIN, page_height - 2.0 * MARGIN);
    let scale = (room.0 / f64::from(width)).min(room.1 / f64::from(height));
    let (w, h) = (f64::from(width) * scale, f64::from(height) * scale);
    Placement {
        x: (page_width - w) / 2.0,
        y: (page_height - h) / 2.0,
        width: w,
        height: h,
    }
}

/// Formats a date as a PDF date, such as `D:20241231235900+01'00'`.
fn date(at: &DateTime<FixedOffset>) -> String {
    let offset = at.offset().local_minus_utc();
    let sign = if offset < 0 { '-' } else { '+' };
    let minutes = offset.abs() / 60;
    format!(
        "D:{}{sign}{:02}'{:02}'",
        at.format("%Y%m%d%H%M%S"),
        minutes / 60,
        minutes % 60
    )
}

/// Encodes `text` as a hexadecimal UTF-16BE string with a byte order mark,
/// which can contain any character without escaping.
fn text_string(text: &str) -> String {
    let mut hex = String::from("<FEFF");
    for unit in text.encode_utf16() {
        hex.push_str(&format!("{unit:04X}"));
    }
    hex.push('>');
    hex
}

/// Appends numbered objects and records where each one starts.
struct Writer {
    bytes: Vec<u8>,
    offsets: Vec<usize>,
}

impl Writer {
    fn new() -> Self {
        // The second line has bytes above 127, so tools treat the file as binary.
        let mut bytes = b"%PDF-1.4\n%".to_vec();
        bytes.extend_from_slice(&[0xE2, 0xE3, 0xCF, 0xD3, b'\n']);
        Writer {
            bytes,
            offsets: Vec::new(),
        }
    }

    fn object(&mut self, body: &[u8]) {
        self.begin();
        self.bytes.extend_from_slice(body);
        self.bytes.extend_from_slice(b"\nendobj\n");
    }

    /// Writes a stream object whose dictionary contains `entries` and its length.
    fn stream(&mut self, entries: &str, data: &[u8]) {
        self.begin();
        let separator = if entries.is_empty() { "" } else { " " };
        let head = format!("<< {entries}{separator}/Length {} >>\nstream\n", data.len());
        self.bytes.extend_from_slice(head.as_bytes());
        self.bytes.extend_from_slice(data);
        self.bytes.extend_from_slice(b"\nendstream\nendobj\n");
    }

    fn begin(&mut self) {
        self.offsets.push(self.bytes.len());
        let number = self.offsets.len();
        self.bytes
            .extend_from_slice(format!("{number} 0 obj\n").as_bytes());
    }

    /// Adds the cross-reference table and trailer, naming the catalog and
    /// information objects.
    fn finish(mut self, root: usize, info: usize) -> Vec<u8> {
        let xref_at = self.bytes.len();
        let size = self.offsets.len() + 1;
        let mut table = format!("xref\n0 {size}\n0000000000 65535 f\r\n");
        for offset in &self.offsets {
            table.push_str(&format!("{offset:010} 00000 n\r\n"));
        }
        table.push_str(&format!(
            "trailer\n<< /Size {size} /Root {root} 0 R /Info {info} 0 R >>\nstartxref\n{xref_at}\n%%EOF\n"
        ));
        self.bytes.extend_from_slice(table.as_bytes());
        self.bytes
    }
}

#[cfg(test)]
mod tests;
