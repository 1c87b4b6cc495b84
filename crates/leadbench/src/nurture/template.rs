//! Merge fields in e-mail subjects and bodies: `{{first_name}}` takes the
//! lead's value and `{{first_name|there}}` falls back to "there" when the
//! value is empty. An unknown field is an error when the sequence is saved,
//! so a lead never receives a raw `{{...}}`.

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};

/// Merge fields a template may use.
pub const MERGE_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "full_name",
    "email",
    "company",
    "job_title",
    "owner",
];

/// The values merged into a template for one lead.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MergeValues {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub company: Option<String>,
    pub job_title: Option<String>,
    pub owner: Option<String>,
}

impl MergeValues {
    fn get(&self, field: &str) -> Option<String> {
        let value = match field {
            "first_name" => self.first_name.clone(),
            "last_name" => self.last_name.clone(),
            "full_name" => {
                let parts: Vec<&str> = [self.first_name.as_deref(), self.last_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .filter(|part| !part.trim().is_empty())
                    .collect();
                Some(parts.join(" "))
            }
            "email" => self.email.clone(),
            "company" => self.company.clone(),
            "job_title" => self.job_title.clone(),
            "owner" => self.owner.clone(),
            _ => None,
        };
        value.filter(|text| !text.trim().is_empty())
    }
}

/// Reads the merge values of a lead, or `None` when the lead does not exist.
pub fn load_values(conn: &Connection, lead_id: i64) -> Result<Option<MergeValues>> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.first_name, l.last_name, l.email, a.name, l.job_title, l.owner
         FROM leads l LEFT JOIN accounts a ON a.id = l.account_id
         WHERE l.id = ?1",
    )?;
    let values = stmt
        .query_row([lead_id], |row| {
            Ok(MergeValues {
                first_name: row.get(0)?,
                last_name: row.get(1)?,
                email: row.get(2)?,
                company: row.get(3)?,
                job_title: row.get(4)?,
                owner: row.get(5)?,
            })
        })
        .optional()?;
    Ok(values)
}

struct Placeholder<'a> {
    start: usize,
    end: usize,
    field: &'a str,
    fallback: &'a str,
}

fn placeholders(template: &str) -> Vec<Placeholder<'_>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = template[from..].find("{{").map(|i| i + from) {
        let Some(close) = template[open..].find("}}").map(|i| i + open) else {
            break;
        };
        let inner = &template[open + 2..close];
        let (field, fallback) = inner.split_once('|').unwrap_or((inner, ""));
        found.push(Placeholder {
            start: open,
            end: close + 2,
            field: field.trim(),
            fallback: fallback.trim(),
        });
        from = close + 2;
    }
    found
}

/// Checks that every merge field in `template` is known; `what` names the
/// template in the error, for example "subject of step s2".
pub fn validate(what: &str, template: &str) -> Result<()> {
    for placeholder in placeholders(template) {
        if !MERGE_FIELDS.contains(&placeholder.field) {
            let known: Vec<String> = MERGE_FIELDS
                .iter()
                .map(|f| format!("{{{{{f}}}}}"))
                .collect();
            return Err(Error::invalid(
                &format!("merge field in the {what}"),
                &template[placeholder.start..placeholder.end],
                format!("use one of {}", known.join(", ")),
            ));
        }
    }
    Ok(())
}

/// Fills the merge fields of `template` with `values`. Unknown fields were
/// rejected by [`validate`] when the sequence was saved; any left are kept
/// as written.
pub fn render(template: &str, values: &MergeValues) -> String {
    let mut text = String::with_capacity(template.len() + 32);
    let mut copied = 0;
    for placeholder in placeholders(template) {
        if !MERGE_FIELDS.contains(&placeholder.field) {
            continue;
        }
        text.push_str(&template[copied..placeholder.start]);
        let value = values
            .get(placeholder.field)
            .unwrap_or_else(|| placeholder.fallback.to_owned());
        text.push_str(&value);
        copied = placeholder.end;
    }
    text.push_str(&template[copied..]);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hanna() -> MergeValues {
        MergeValues {
            first_name: Some("Hanna".into()),
            last_name: Some("Meijer".into()),
            email: Some("hanna.meijer@example.nl".into()),
            company: Some("Meijer Bouw".into()),
            ..MergeValues::default()
        }
    }

    #[test]
    fn fields_filled() {
        let text = render("Hi {{first_name}} of {{ company }}!", &hanna());
        assert_eq!(text, "Hi Hanna of Meijer Bouw!");
    }

    #[test]
    fn empty_value_uses_fallback() {
        let text = render("Hi {{owner|there}}, {{job_title}}.", &hanna());
        assert_eq!(text, "Hi there, .");
    }

    #[test]
    fn full_name_joins_parts() {
        assert_eq!(render("{{full_name}}", &hanna()), "Hanna Meijer");
    }

    #[test]
    fn unknown_field_named_in_error() {
        let error = validate("subject of step s1", "Hi {{frist_name}}").unwrap_err();
        let message = error.to_string();
        assert!(message.contains("{{frist_name}}"), "{message}");
        assert!(message.contains("{{first_name}}"), "{message}");
        assert!(message.contains("subject of step s1"), "{message}");
    }

    #[test]
    fn unclosed_braces_left_as_text() {
        validate("body", "Hi {{first_name").unwrap();
        assert_eq!(render("Hi {{first_name", &hanna()), "Hi {{first_name");
    }
}
