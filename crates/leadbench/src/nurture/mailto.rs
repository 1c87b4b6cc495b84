//! `mailto:` links (RFC 6068) that open a due e-mail in the user's own
//! mail client, for the manual sending mode.

use rusqlite::{Connection, OptionalExtension};

use crate::error::{Error, Result};

/// Builds the `mailto:` link of the due e-mail `outbox_id`: its address,
/// subject and text.
pub fn outbox_link(conn: &Connection, outbox_id: i64) -> Result<String> {
    let row: Option<(String, Option<String>, Option<String>, String)> = conn
        .query_row(
            "SELECT kind, to_address, subject, body FROM nurture_outbox WHERE id = ?1",
            [outbox_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .optional()?;
    let Some((kind, to, subject, body)) = row else {
        return Err(Error::NotFound {
            what: "outbox entry".to_owned(),
            id: outbox_id.to_string(),
        });
    };
    if kind != "email" {
        return Err(Error::invalid(
            "outbox entry",
            outbox_id.to_string(),
            "only e-mails open in a mail client; mark tasks done instead",
        ));
    }
    let Some(to) = to.filter(|address| !address.trim().is_empty()) else {
        return Err(Error::invalid(
            "to address",
            "",
            "the lead has no e-mail address; add one in the lead panel",
        ));
    };

    Ok(mailto_url(&to, subject.as_deref().unwrap_or(""), &body))
}

/// Builds a `mailto:` URL. Every byte outside the unreserved set is
/// percent-encoded, and line breaks become CRLF as RFC 6068 requires.
pub fn mailto_url(to: &str, subject: &str, body: &str) -> String {
    let body = body.replace("\r\n", "\n").replace('\n', "\r\n");
    format!(
        "mailto:{}?subject={}&body={}",
        encode(to.trim(), b"@"),
        encode(subject, b""),
        encode(&body, b"")
    )
}

/// Percent-encodes `text`, keeping unreserved characters and `keep`.
fn encode(text: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        let plain = byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) || keep.contains(&byte);
        if plain {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encodes_subject_and_body() {
        let url = mailto_url("ann@example.com", "Hi & welcome", "Line 1\nLine 2 ü");

        assert_eq!(
            url,
            "mailto:ann@example.com?subject=Hi%20%26%20welcome&body=Line%201%0D%0ALine%202%20%C3%BC"
        );
    }

    #[test]
    fn url_encodes_address_specials() {
        let url = mailto_url(" a+b@example.com ", "", "");

        assert_eq!(url, "mailto:a%2Bb@example.com?subject=&body=");
    }
}
