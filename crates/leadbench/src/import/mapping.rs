//! Column mapping: which lead, account, deal or event field each column of
//! a file fills. Headers that common tools export, in English and Dutch,
//! map automatically; mappings can be saved and reused by name.

use std::fmt;
use std::str::FromStr;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::ImportKind;
use crate::error::{Error, Result};

/// A field a column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Field {
    ExternalId,
    Email,
    FirstName,
    LastName,
    FullName,
    Phone,
    JobTitle,
    Company,
    Domain,
    Industry,
    CompanySize,
    Country,
    Source,
    Campaign,
    Owner,
    CreatedAt,
    Consent,
    Notes,
    WonAt,
    LostAt,
    LostReason,
    Value,
    Currency,
    EventType,
    OccurredAt,
    EventId,
    Stage,
}

impl Field {
    /// Every field, in the order the wizard lists them.
    pub const ALL: [Field; 27] = [
        Field::ExternalId,
        Field::Email,
        Field::FirstName,
        Field::LastName,
        Field::FullName,
        Field::Phone,
        Field::JobTitle,
        Field::Company,
        Field::Domain,
        Field::Industry,
        Field::CompanySize,
        Field::Country,
        Field::Source,
        Field::Campaign,
        Field::Owner,
        Field::CreatedAt,
        Field::Consent,
        Field::Notes,
        Field::WonAt,
        Field::LostAt,
        Field::LostReason,
        Field::Value,
        Field::Currency,
        Field::EventType,
        Field::OccurredAt,
        Field::EventId,
        Field::Stage,
    ];

    /// Returns the name used in `--map FIELD=COLUMN` and in saved mappings.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::ExternalId => "external_id",
            Field::Email => "email",
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::FullName => "full_name",
            Field::Phone => "phone",
            Field::JobTitle => "job_title",
            Field::Company => "company",
            Field::Domain => "domain",
            Field::Industry => "industry",
            Field::CompanySize => "company_size",
            Field::Country => "country",
            Field::Source => "source",
            Field::Campaign => "campaign",
            Field::Owner => "owner",
            Field::CreatedAt => "created_at",
            Field::Consent => "consent",
            Field::Notes => "notes",
            Field::WonAt => "won_at",
            Field::LostAt => "lost_at",
            Field::LostReason => "lost_reason",
            Field::Value => "value",
            Field::Currency => "currency",
            Field::EventType => "event_type",
            Field::OccurredAt => "occurred_at",
            Field::EventId => "event_id",
            Field::Stage => "stage",
        }
    }

    /// Returns true when a file of `kind` can use this field. Every kind
    /// can use the lead keys (e-mail and external id).
    pub fn fits(self, kind: ImportKind) -> bool {
        match self {
            Field::Email | Field::ExternalId => true,
            Field::WonAt | Field::LostAt | Field::LostReason | Field::Value | Field::Currency => {
                kind == ImportKind::Outcomes
            }
            Field::EventType | Field::OccurredAt | Field::EventId => kind == ImportKind::Activity,
            _ => kind == ImportKind::Leads,
        }
    }

    /// Returns the group the wizard lists this field under.
    pub fn group(self) -> FieldGroup {
        match self {
            Field::Company
            | Field::Domain
            | Field::Industry
            | Field::CompanySize
            | Field::Country => FieldGroup::Account,
            Field::WonAt | Field::LostAt | Field::LostReason | Field::Value | Field::Currency => {
                FieldGroup::Deal
            }
            Field::EventType | Field::OccurredAt | Field::EventId => FieldGroup::Event,
            _ => FieldGroup::Lead,
        }
    }

    /// Normalised header names that map to this field automatically.
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Field::ExternalId => &[
                "external id",
                "id",
                "lead id",
                "contact id",
                "record id",
                "crm id",
                "mql id",
                "person id",
                "klant id",
                "klantnummer",
                "relatienummer",
            ],
            Field::Email => &[
                "email",
                "e mail",
                "email address",
                "e mail address",
                "mail",
                "emailadres",
                "e mailadres",
                "work email",
                "business email",
                "primary email",
                "mailadres",
            ],
            Field::FirstName => &[
                "first name",
                "firstname",
                "given name",
                "voornaam",
                "roepnaam",
            ],
            Field::LastName => &[
                "last name",
                "lastname",
                "surname",
                "family name",
                "achternaam",
                "familienaam",
            ],
            Field::FullName => &[
                "name",
                "full name",
                "contact name",
                "naam",
                "volledige naam",
                "contact",
            ],
            Field::Phone => &[
                "phone",
                "phone number",
                "telephone",
                "mobile",
                "mobile phone",
                "telefoon",
                "telefoonnummer",
                "mobiel",
                "mobiel nummer",
                "tel",
            ],
            Field::JobTitle => &[
                "job title",
                "title",
                "position",
                "role",
                "functie",
                "functietitel",
            ],
            Field::Company => &[
                "company",
                "company name",
                "organization",
                "organisation",
                "account",
                "account name",
                "bedrijf",
                "bedrijfsnaam",
                "organisatie",
            ],
            Field::Domain => &[
                "domain",
                "website",
                "company website",
                "company domain",
                "url",
                "domein",
            ],
            Field::Industry => &["industry", "sector", "branche", "business segment"],
            Field::CompanySize => &[
                "company size",
                "employees",
                "number of employees",
                "size",
                "bedrijfsgrootte",
                "aantal medewerkers",
            ],
            Field::Country => &["country", "land", "country code"],
            Field::Source => &[
                "source",
                "lead source",
                "origin",
                "source channel",
                "channel",
                "original source",
                "bron",
                "herkomst",
                "kanaal",
            ],
            Field::Campaign => &["campaign", "campaign name", "utm campaign", "campagne"],
            Field::Owner => &[
                "owner",
                "lead owner",
                "contact owner",
                "sales rep",
                "assigned to",
                "eigenaar",
                "accountmanager",
            ],
            Field::CreatedAt => &[
                "created",
                "created at",
                "created date",
                "create date",
                "date created",
                "creation date",
                "first contact date",
                "first touch date",
                "first seen",
                "signup date",
                "registration date",
                "aangemaakt",
                "aangemaakt op",
                "aanmaakdatum",
                "datum aangemaakt",
                "eerste contact",
            ],
            Field::Consent => &[
                "consent",
                "opt in",
                "optin",
                "marketing consent",
                "email consent",
                "gdpr consent",
                "subscribed",
                "toestemming",
                "nieuwsbrief",
            ],
            Field::Notes => &[
                "notes",
                "note",
                "comments",
                "comment",
                "description",
                "notities",
                "opmerkingen",
            ],
            Field::WonAt => &[
                "won date",
                "won at",
                "date won",
                "won on",
                "close date",
                "closed date",
                "closed at",
                "gewonnen op",
                "datum gewonnen",
                "sluitdatum",
            ],
            Field::LostAt => &[
                "lost date",
                "lost at",
                "date lost",
                "lost on",
                "verloren op",
                "datum verloren",
            ],
            Field::LostReason => &[
                "lost reason",
                "reason lost",
                "loss reason",
                "reden verlies",
                "reden verloren",
            ],
            Field::Value => &[
                "value",
                "deal value",
                "amount",
                "deal amount",
                "waarde",
                "bedrag",
                "dealwaarde",
            ],
            Field::Currency => &["currency", "valuta", "munteenheid"],
            Field::EventType => &[
                "event type",
                "type",
                "event",
                "activity",
                "activity type",
                "action",
                "gebeurtenis",
                "activiteit",
                "soort",
            ],
            Field::OccurredAt => &[
                "timestamp",
                "occurred at",
                "date",
                "time",
                "datetime",
                "event time",
                "event date",
                "activity date",
                "tijdstip",
                "datum",
            ],
            Field::EventId => &["event id", "activity id", "activiteit id"],
            Field::Stage => &[
                "stage",
                "lead stage",
                "lifecycle stage",
                "funnel stage",
                "fase",
                "leadfase",
            ],
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Field {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let wanted = text.trim().to_ascii_lowercase();
        Field::ALL
            .into_iter()
            .find(|field| field.as_str() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = Field::ALL.iter().map(|f| f.as_str()).collect();
                Error::invalid("field", text, format!("use one of {}", names.join(", ")))
            })
    }
}

/// Group of a field in the wizard's column menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum FieldGroup {
    /// The person: name, e-mail, source, stage, ...
    Lead,
    /// The person's company.
    Account,
    /// A won or lost deal.
    Deal,
    /// A behaviour event.
    Event,
}

/// A field a file can fill, as offered in the wizard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FieldOption {
    pub field: Field,
    pub group: FieldGroup,
}

/// Returns the fields a file of `kind` can fill, in the wizard's order.
pub fn field_options(kind: ImportKind) -> Vec<FieldOption> {
    Field::ALL
        .into_iter()
        .filter(|field| field.fits(kind))
        .map(|field| FieldOption {
            field,
            group: field.group(),
        })
        .collect()
}

/// Target of a column: a field, a custom field or nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
#[ts(export)]
pub enum Target {
    /// A built-in field.
    Field(Field),
    /// A custom field of the lead (leads and outcomes) or a property of the
    /// event (activity), named by the column header.
    Custom(String),
    /// The column is not imported.
    Ignore,
}

/// The caller's choice for one column, named by its header (or by
/// `Column N`, counting from 1, in a file without a header row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ColumnChoice {
    pub column: String,
    pub target: Target,
}

/// Headers left out automatically: Leadbench computes scores itself, so a
/// score column (as in its own exports) is not imported.
const IGNORED_HEADERS: &[&str] = &["score"];

/// Normalises a header for matching: lowercase, BOM and punctuation
/// removed, runs of separators turned into one space.
pub fn normalize_header(header: &str) -> String {
    let mut normalized = String::with_capacity(header.len());
    let mut pending_space = false;
    for ch in header.chars().flat_map(char::to_lowercase) {
        if ch.is_alphanumeric() {
            if pending_space && !normalized.is_empty() {
                normalized.push(' ');
            }
            pending_space = false;
            normalized.push(ch);
        } else {
            pending_space = true;
        }
    }
    normalized
}

/// Returns the field a header maps to automatically for `kind`, if any.
pub fn auto_field(header: &str, kind: ImportKind) -> Option<Field> {
    let normalized = normalize_header(header);
    Field::ALL
        .into_iter()
        .filter(|field| field.fits(kind))
        .find(|field| field.synonyms().contains(&normalized.as_str()))
}

/// Builds the target of every column: the caller's `choices` first, then
/// automatic mapping, and custom fields for the rest. A field is filled by
/// one column only; a second column with a matching header becomes a
/// custom field.
pub fn resolve(
    headers: &[String],
    kind: ImportKind,
    choices: &[ColumnChoice],
) -> Result<Vec<Target>> {
    let mut targets: Vec<Option<Target>> = vec![None; headers.len()];
    for choice in choices {
        let index = find_column(headers, &choice.column)?;
        if let Target::Field(field) = choice.target {
            if !field.fits(kind) {
                return Err(Error::invalid(
                    "field",
                    field.as_str(),
                    format!(
                        "a {} file cannot fill this field; choose another",
                        kind.as_str()
                    ),
                ));
            }
        }
        targets[index] = Some(choice.target.clone());
    }

    let mut taken: Vec<Field> = targets
        .iter()
        .filter_map(|t| match t {
            Some(Target::Field(field)) => Some(*field),
            _ => None,
        })
        .collect();
    for (index, header) in headers.iter().enumerate() {
        if targets[index].is_some() {
            continue;
        }
        let target = match auto_field(header, kind).filter(|f| !taken.contains(f)) {
            Some(field) => {
                taken.push(field);
                Target::Field(field)
            }
            None if header.trim().is_empty() => Target::Ignore,
            None if IGNORED_HEADERS.contains(&normalize_header(header).as_str()) => Target::Ignore,
            None => Target::Custom(header.trim().to_owned()),
        };
        targets[index] = Some(target);
    }
    Ok(targets
        .into_iter()
        .map(|t| t.unwrap_or(Target::Ignore))
        .collect())
}

fn find_column(headers: &[String], column: &str) -> Result<usize> {
    let wanted = normalize_header(column);
    headers
        .iter()
        .position(|h| h.trim() == column.trim())
        .or_else(|| headers.iter().position(|h| normalize_header(h) == wanted))
        .ok_or_else(|| {
            Error::invalid(
                "column",
                column,
                format!(
                    "the file has no such column; its columns are: {}",
                    headers.join(", ")
                ),
            )
        })
}

/// Saves `choices` under `name` for files of `kind`, replacing a mapping
/// with the same name.
pub fn save_mapping(
    conn: &Connection,
    name: &str,
    kind: ImportKind,
    choices: &[ColumnChoice],
) -> Result<()> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid(
            "mapping name",
            name,
            "give the mapping a name",
        ));
    }
    let json = serde_json::to_string(choices).unwrap_or_else(|_| "[]".to_owned());
    conn.execute(
        "INSERT INTO import_mappings (name, kind, mapping, saved_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (name) DO UPDATE SET kind = ?2, mapping = ?3, saved_at = ?4",
        params![name, kind.as_str(), json, crate::time::now()],
    )?;
    Ok(())
}

/// Loads the mapping saved under `name`.
pub fn load_mapping(conn: &Connection, name: &str) -> Result<Vec<ColumnChoice>> {
    let json: Option<String> = conn
        .query_row(
            "SELECT mapping FROM import_mappings WHERE name = ?1",
            [name.trim()],
            |row| row.get(0),
        )
        .optional()?;
    let json = json.ok_or_else(|| Error::NotFound {
        what: "saved mapping".to_owned(),
        id: name.to_owned(),
    })?;
    serde_json::from_str(&json).map_err(|error| {
        Error::invalid(
            "saved mapping",
            name,
            format!("it cannot be read ({error}); save it again"),
        )
    })
}

/// A saved mapping as listed in the wizard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SavedMapping {
    pub name: String,
    pub kind: ImportKind,
    pub choices: Vec<ColumnChoice>,
}

/// Lists saved mappings, by name.
pub fn list_mappings(conn: &Connection) -> Result<Vec<SavedMapping>> {
    let mut stmt = conn.prepare("SELECT name, kind, mapping FROM import_mappings ORDER BY name")?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
        ))
    })?;
    let mut mappings = Vec::new();
    for row in rows {
        let (name, kind, json) = row?;
        mappings.push(SavedMapping {
            name,
            kind: kind.parse()?,
            choices: serde_json::from_str(&json).unwrap_or_default(),
        });
    }
    Ok(mappings)
}

/// Deletes the mapping saved under `name`; deleting a missing one is fine.
pub fn delete_mapping(conn: &Connection, name: &str) -> Result<()> {
    conn.execute("DELETE FROM import_mappings WHERE name = ?1", [name.trim()])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_headers_map_automatically() {
        for (header, field) in [
            ("\u{FEFF}email", Field::Email),
            ("E-mail", Field::Email),
            ("Email Address", Field::Email),
            ("Voornaam", Field::FirstName),
            ("Achternaam", Field::LastName),
            ("Bedrijf", Field::Company),
            ("Job Title", Field::JobTitle),
            ("source_channel", Field::Source),
            ("first_touch_date", Field::CreatedAt),
            ("mql_id", Field::ExternalId),
            ("origin", Field::Source),
        ] {
            assert_eq!(
                auto_field(header, ImportKind::Leads),
                Some(field),
                "{header}"
            );
        }
        assert_eq!(
            auto_field("won_date", ImportKind::Outcomes),
            Some(Field::WonAt)
        );
        assert_eq!(auto_field("won_date", ImportKind::Leads), None);
    }

    #[test]
    fn choices_override_and_rest_become_custom() {
        let headers: Vec<String> = ["Mail", "landing_page_id", "Bedrijf", ""]
            .iter()
            .map(|h| h.to_string())
            .collect();
        let choices = [ColumnChoice {
            column: "Bedrijf".to_owned(),
            target: Target::Ignore,
        }];
        let targets = resolve(&headers, ImportKind::Leads, &choices).unwrap();
        assert_eq!(
            targets,
            [
                Target::Field(Field::Email),
                Target::Custom("landing_page_id".to_owned()),
                Target::Ignore,
                Target::Ignore
            ]
        );
    }

    #[test]
    fn unknown_column_named_in_error() {
        let headers = vec!["email".to_owned()];
        let choices = [ColumnChoice {
            column: "Mail".to_owned(),
            target: Target::Field(Field::Email),
        }];
        let error = resolve(&headers, ImportKind::Leads, &choices).unwrap_err();
        assert!(error.to_string().contains("Mail"), "{error}");
    }
}
