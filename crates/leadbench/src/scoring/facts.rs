//! Inputs of rule conditions: a lead's fields and an event's properties,
//! trimmed and lowercased, and the tests prepared for them.

use std::sync::Arc;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

use super::rules::{Field, Test};

/// The account fields fit rules read, normalized once per account.
#[derive(Debug, Clone, Default)]
pub struct AccountFacts {
    industry: Option<String>,
    company_size: Option<String>,
    country: Option<String>,
}

impl AccountFacts {
    /// Normalizes an account's industry, size band and country.
    pub fn new(industry: Option<&str>, company_size: Option<&str>, country: Option<&str>) -> Self {
        AccountFacts {
            industry: clean(industry),
            company_size: clean(company_size),
            country: clean(country),
        }
    }
}

/// A lead's account: one row of a table of accounts shared by many leads.
/// Sharing one table costs a single reference count instead of one per
/// account, which matters when 100,000 leads are read at once.
#[derive(Debug, Clone)]
pub struct AccountRef {
    table: Arc<[AccountFacts]>,
    index: usize,
}

impl AccountRef {
    /// Wraps the facts of one account.
    pub fn single(facts: AccountFacts) -> Self {
        AccountRef {
            table: Arc::from(vec![facts]),
            index: 0,
        }
    }

    /// Refers to row `index` of `table`.
    pub fn shared(table: Arc<[AccountFacts]>, index: usize) -> Self {
        AccountRef { table, index }
    }

    fn facts(&self) -> &AccountFacts {
        &self.table[self.index]
    }
}

impl Default for AccountRef {
    fn default() -> Self {
        AccountRef::single(AccountFacts::default())
    }
}

/// Raw field values of one lead, as read from the database.
#[derive(Debug, Clone, Default)]
pub struct LeadFields<'a> {
    pub job_title: Option<&'a str>,
    pub industry: Option<&'a str>,
    pub company_size: Option<&'a str>,
    pub country: Option<&'a str>,
    pub source: Option<&'a str>,
    pub email: Option<&'a str>,
    pub consent: Option<bool>,
    /// The lead's custom fields as a JSON object.
    pub custom_fields: Option<&'a str>,
}

/// The fields of a lead that fit and disqualifying rules read, trimmed and
/// lowercased once.
#[derive(Debug, Clone, Default)]
pub struct LeadFacts {
    job_title: Option<String>,
    source: Option<String>,
    email_domain: Option<String>,
    consent: Option<&'static str>,
    account: AccountRef,
    /// Values of the custom fields some rule reads, in the order of the
    /// keys given to [`LeadFacts::new`].
    custom: Vec<Option<String>>,
}

impl LeadFacts {
    /// Normalizes `fields`, reading only the custom fields in `custom_keys`.
    pub fn new(fields: &LeadFields<'_>, custom_keys: &[String]) -> Self {
        let account = AccountFacts::new(fields.industry, fields.company_size, fields.country);
        Self::with_account(fields, AccountRef::single(account), custom_keys)
    }

    /// Like [`LeadFacts::new`], with the account fields already normalized
    /// (and shared by the account's leads); the account fields of `fields`
    /// are ignored.
    pub fn with_account(
        fields: &LeadFields<'_>,
        account: AccountRef,
        custom_keys: &[String],
    ) -> Self {
        let email_domain = fields
            .email
            .and_then(|email| email.rsplit_once('@'))
            .map(|(_, domain)| domain);
        let custom = custom_keys
            .iter()
            .map(|key| fields.custom_fields.and_then(|text| json_lookup(text, key)))
            .collect();
        LeadFacts {
            job_title: clean(fields.job_title),
            source: clean(fields.source),
            email_domain: clean(email_domain),
            consent: fields.consent.map(|yes| if yes { "yes" } else { "no" }),
            account,
            custom,
        }
    }

    /// Returns a field's value; a custom field is named by its position in
    /// the keys given to [`LeadFacts::new`].
    pub(crate) fn get(&self, field: Field, custom_index: Option<usize>) -> Option<&str> {
        match field {
            Field::JobTitle => self.job_title.as_deref(),
            Field::Industry => self.account.facts().industry.as_deref(),
            Field::CompanySize => self.account.facts().company_size.as_deref(),
            Field::Country => self.account.facts().country.as_deref(),
            Field::Source => self.source.as_deref(),
            Field::EmailDomain => self.email_domain.as_deref(),
            Field::Consent => self.consent,
            Field::Custom => self.custom.get(custom_index?)?.as_deref(),
        }
    }
}

/// Trims and lowercases a value; an empty value counts as missing.
fn clean(value: Option<&str>) -> Option<String> {
    let trimmed = value?.trim();
    if trimmed.is_empty() {
        return None;
    }
    if trimmed
        .bytes()
        .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
    {
        Some(trimmed.to_lowercase())
    } else {
        Some(trimmed.to_owned())
    }
}

/// Returns a JSON scalar as trimmed lowercase text; null and empty text
/// count as missing.
pub(crate) fn json_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => clean(Some(text)),
        other => clean(Some(&other.to_string())),
    }
}

/// Returns the value of the top-level `key` of a JSON object as trimmed
/// lowercase text. Other keys are skipped without being copied, which
/// matters for a million events. Text that is not a JSON object has no keys.
pub(crate) fn json_lookup(text: &str, key: &str) -> Option<String> {
    if let Some(found) = flat_lookup(text, key) {
        return found;
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let found = Lookup(key).deserialize(&mut deserializer).ok()??;
    json_text(&found)
}

/// Looks `key` up in a flat JSON object whose values are strings, booleans
/// or null, written without backslash escapes: the usual shape of event
/// properties. Returns `None` for any other text, which the caller then
/// parses in full, so both paths return the same value.
fn flat_lookup(text: &str, key: &str) -> Option<Option<String>> {
    if text.contains('\\') {
        return None;
    }
    let bytes = text.as_bytes();
    let skip_space = |mut at: usize| {
        while bytes.get(at).is_some_and(|b| b.is_ascii_whitespace()) {
            at += 1;
        }
        at
    };
    // Returns the end of the string that starts at `at` (a quote).
    let string_end = |at: usize| text[at + 1..].find('"').map(|offset| at + 1 + offset);

    let mut at = skip_space(0);
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    at = skip_space(at + 1);
    let mut found = None;
    if bytes.get(at) == Some(&b'}') {
        return (skip_space(at + 1) == bytes.len()).then_some(None);
    }
    loop {
        if bytes.get(at) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(at)?;
        let is_requested = &text[at + 1..key_end] == key;
        at = skip_space(key_end + 1);
        if bytes.get(at) != Some(&b':') {
            return None;
        }
        at = skip_space(at + 1);
        let value = match bytes.get(at)? {
            b'"' => {
                let value_end = string_end(at)?;
                let value = clean(Some(&text[at + 1..value_end]));
                at = value_end + 1;
                value
            }
            _ => {
                let word = ["true", "false", "null"]
                    .into_iter()
                    .find(|word| text[at..].starts_with(word))?;
                at += word.len();
                (word != "null").then(|| word.to_owned())
            }
        };
        if is_requested {
            found = value;
        }
        at = skip_space(at);
        match bytes.get(at)? {
            b',' => at = skip_space(at + 1),
            b'}' => return (skip_space(at + 1) == bytes.len()).then_some(found),
            _ => return None,
        }
    }
}

/// Finds one key of a JSON object; the last of duplicate keys wins, as in
/// `serde_json::Map`.
struct Lookup<'k>(&'k str);

impl<'de> DeserializeSeed<'de> for Lookup<'_> {
    type Value = Option<Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Lookup<'_> {
    type Value = Option<Value>;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(is_requested) = map.next_key_seed(KeyIs(self.0))? {
            if is_requested {
                found = Some(map.next_value::<Value>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// Compares a map key with the wanted key without copying it.
struct KeyIs<'k>(&'k str);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a key")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(key == self.0)
    }
}

/// An event's properties, looked up on first use of each key.
pub(crate) struct Properties<'t, 'k> {
    text: &'t str,
    seen: Vec<(&'k str, Option<String>)>,
}

impl<'t, 'k> Properties<'t, 'k> {
    pub(crate) fn new(text: &'t str) -> Self {
        Properties {
            text,
            seen: Vec::new(),
        }
    }

    /// Returns the property as trimmed lowercase text.
    pub(crate) fn get(&mut self, key: &'k str) -> Option<&str> {
        let index = match self.seen.iter().position(|(name, _)| *name == key) {
            Some(index) => index,
            None => {
                self.seen.push((key, json_lookup(self.text, key)));
                self.seen.len() - 1
            }
        };
        self.seen[index].1.as_deref()
    }
}

/// A test with its text already trimmed and lowercased.
#[derive(Debug, Clone)]
pub(crate) enum Matcher {
    Equals(String),
    OneOf(Vec<String>),
    Contains(String),
    Range(Option<f64>, Option<f64>),
    Empty,
    NotEmpty,
}

impl Matcher {
    pub(crate) fn new(test: &Test) -> Self {
        let clean = |text: &str| text.trim().to_lowercase();
        match test {
            Test::Equals { value } => Matcher::Equals(clean(value)),
            Test::OneOf { values } => Matcher::OneOf(values.iter().map(|v| clean(v)).collect()),
            Test::Contains { value } => Matcher::Contains(clean(value)),
            Test::Range { min, max } => Matcher::Range(*min, *max),
            Test::Empty => Matcher::Empty,
            Test::NotEmpty => Matcher::NotEmpty,
        }
    }

    /// Tests a value that is already trimmed, lowercased and non-empty.
    pub(crate) fn matches(&self, value: Option<&str>) -> bool {
        let Some(value) = value else {
            return matches!(self, Matcher::Empty);
        };
        match self {
            Matcher::Equals(wanted) => value == wanted,
            Matcher::OneOf(wanted) => wanted.iter().any(|w| w == value),
            Matcher::Contains(part) => value.contains(part.as_str()),
            Matcher::Range(min, max) => leading_number(value)
                .is_some_and(|n| min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m)),
            Matcher::Empty => false,
            Matcher::NotEmpty => true,
        }
    }
}

/// Reads the first number in `text`, so a size band `51-200` reads as 51
/// and `1000+` as 1000. A minus sign directly in front of the first digit
/// at the start makes it negative.
fn leading_number(text: &str) -> Option<f64> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let digits: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let number: f64 = digits.trim_end_matches('.').parse().ok()?;
    let negative = start == 1 && text.starts_with('-');
    Some(if negative { -number } else { number })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_reads_one_key() {
        let text = r#"{"url": " /Pricing ", "n": 3, "nested": {"url": "x"}}"#;
        assert_eq!(json_lookup(text, "url").as_deref(), Some("/pricing"));
        assert_eq!(json_lookup(text, "n").as_deref(), Some("3"));
        assert_eq!(json_lookup(text, "missing"), None);
        assert_eq!(json_lookup("not json", "url"), None);
        assert_eq!(
            json_lookup(r#"{"u\u0072l": "/a"}"#, "url").as_deref(),
            Some("/a")
        );
    }

    #[test]
    fn flat_lookup_agrees_with_parser() {
        let texts = [
            r#"{"url":"/Pricing"}"#,
            r#" { "url" : " /a " , "asset" : "wp-1" } "#,
            r#"{"url":"/a","url":"/b"}"#,
            r#"{"a":"url","url":null}"#,
            r#"{"flag":true,"url":false}"#,
            r#"{"n":1.50,"url":"x"}"#,
            r#"{"nested":{"url":"inner"},"url":"outer"}"#,
            r#"{"url":"caf\u00e9"}"#,
            r#"{}"#,
            r#"[1, 2]"#,
            r#"{"url":"/a",}"#,
        ];
        for text in texts {
            let parsed = {
                let mut deserializer = serde_json::Deserializer::from_str(text);
                Lookup("url")
                    .deserialize(&mut deserializer)
                    .ok()
                    .flatten()
                    .as_ref()
                    .and_then(json_text)
            };
            assert_eq!(json_lookup(text, "url"), parsed, "{text}");
        }
    }

    #[test]
    fn size_band_reads_first_number() {
        assert_eq!(leading_number("51-200"), Some(51.0));
        assert_eq!(leading_number("1000+"), Some(1000.0));
        assert_eq!(leading_number("-5"), Some(-5.0));
        assert_eq!(leading_number("about 12.5k"), Some(12.5));
        assert_eq!(leading_number("none"), None);
    }
}
