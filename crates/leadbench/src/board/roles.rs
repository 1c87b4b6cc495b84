//! A contact's role in the buying group of an account.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Role of a contact in the purchase decision of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum BuyingRole {
    /// Signs off on the purchase and owns the budget.
    DecisionMaker,
    /// Wants the purchase and argues for it inside the account.
    Champion,
    /// Shapes the choice without deciding, such as a manager or adviser.
    Influencer,
    /// Will use the product day to day.
    User,
}

impl BuyingRole {
    /// Returns the name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            BuyingRole::DecisionMaker => "decision_maker",
            BuyingRole::Champion => "champion",
            BuyingRole::Influencer => "influencer",
            BuyingRole::User => "user",
        }
    }

    /// Guesses the role from a job title: owners, directors and C-level
    /// titles decide, managers and heads influence, everyone else uses.
    pub fn infer(job_title: Option<&str>) -> BuyingRole {
        let Some(title) = job_title.map(str::to_lowercase) else {
            return BuyingRole::User;
        };
        let words: Vec<&str> = title
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .collect();
        let has = |options: &[&str]| words.iter().any(|word| options.contains(word));
        if has(&[
            "ceo",
            "cfo",
            "coo",
            "cto",
            "cmo",
            "owner",
            "founder",
            "director",
            "directeur",
            "president",
            "eigenaar",
            "partner",
            "vp",
        ]) {
            BuyingRole::DecisionMaker
        } else if has(&[
            "manager",
            "head",
            "lead",
            "hoofd",
            "teamleider",
            "adviseur",
            "consultant",
        ]) {
            BuyingRole::Influencer
        } else {
            BuyingRole::User
        }
    }

    /// Returns the sort position in a buying group list: deciders first.
    pub fn rank(self) -> u8 {
        match self {
            BuyingRole::DecisionMaker => 0,
            BuyingRole::Champion => 1,
            BuyingRole::Influencer => 2,
            BuyingRole::User => 3,
        }
    }
}

impl ToSql for BuyingRole {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for BuyingRole {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value.as_str()? {
            "decision_maker" => Ok(BuyingRole::DecisionMaker),
            "champion" => Ok(BuyingRole::Champion),
            "influencer" => Ok(BuyingRole::Influencer),
            "user" => Ok(BuyingRole::User),
            _ => Err(FromSqlError::InvalidType),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::BuyingRole;

    #[test]
    fn infer_role_from_job_titles() {
        let cases = [
            (Some("CEO"), BuyingRole::DecisionMaker),
            (Some("Managing Director"), BuyingRole::DecisionMaker),
            (Some("Eigenaar"), BuyingRole::DecisionMaker),
            (Some("Marketing Manager"), BuyingRole::Influencer),
            (Some("Head of Sales"), BuyingRole::Influencer),
            (Some("Account executive"), BuyingRole::User),
            (None, BuyingRole::User),
        ];
        for (title, expected) in cases {
            assert_eq!(BuyingRole::infer(title), expected, "{title:?}");
        }
    }
}
