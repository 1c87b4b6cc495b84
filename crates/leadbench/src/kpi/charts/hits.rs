//! Hover regions of a chart: where each bar, bucket or funnel step lies in
//! the picture, with the values to show when the pointer is over it and
//! the leads a click opens. The app lays them over the chart's `<img>`.
//!
//! While drawing, each chart records its [`Bands`]: the pixel box its
//! categories share and how many there are. The regions are then cut from
//! those boxes and filled from the same report the chart was drawn from.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{ChartKind, ChartLabels};
use crate::kpi::drill::DrillTarget;
use crate::kpi::facts::NO_CHANNEL;
use crate::kpi::range::BucketSize;
use crate::kpi::report::KpiReport;
use crate::model::Stage;

/// A pixel box shared by `count` categories, as one chart drew it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bands {
    /// Left, top, right and bottom in pixels of the whole picture.
    pub bounds: (i32, i32, i32, i32),
    pub count: usize,
    /// Layout of the categories in `bounds`.
    pub layout: BandLayout,
}

/// Division of a [`Bands`] box into categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BandLayout {
    /// Equal rows from the top, one per category (the funnel).
    Rows,
    /// Plotters slots along x, first category on the left.
    Columns,
    /// Plotters slots along y, first category at the top.
    SlotRows,
}

/// One hover region, in fractions of the picture's width and height.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ChartHit {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
    pub title: String,
    pub lines: Vec<String>,
    /// Leads a click opens, if any.
    pub drill: Option<DrillTarget>,
    /// Channel the click narrows the leads to.
    pub channel: Option<String>,
    /// Local dates (YYYY-MM-DD, both inclusive) the click narrows the range
    /// to, for a bar that covers part of the range.
    pub dates: Option<(String, String)>,
}

/// A chart as SVG with its hover regions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ChartImage {
    pub svg: String,
    pub hits: Vec<ChartHit>,
}

/// Returns the pixel box of category `index` in `bands`.
fn slot(bands: &Bands, index: usize) -> (i32, i32, i32, i32) {
    let (left, top, right, bottom) = bands.bounds;
    match bands.layout {
        BandLayout::Rows => {
            let row = (bottom - top) / bands.count.max(1) as i32;
            let y = top + row * index as i32;
            (left, y, right, y + row)
        }
        // A plotters slot axis over n items has max(n, 2) equal segments.
        BandLayout::Columns => {
            let width = f64::from(right - left) / bands.count.max(2) as f64;
            let x = left + (width * index as f64) as i32;
            (x, top, left + (width * (index + 1) as f64) as i32, bottom)
        }
        BandLayout::SlotRows => {
            let height = f64::from(bottom - top) / bands.count.max(2) as f64;
            let last = bands.count.saturating_sub(1);
            let from_bottom = (last - index.min(last)) as f64;
            let low = bottom - (height * from_bottom) as i32;
            let high = bottom - (height * (from_bottom + 1.0)) as i32;
            (left, high, right, low)
        }
    }
}

/// Builds the hover regions of `kind` from the `bands` it recorded while
/// drawing at `size`.
pub fn hits(
    report: &KpiReport,
    kind: ChartKind,
    bands: &[Bands],
    size: (u32, u32),
    labels: &ChartLabels,
) -> Vec<ChartHit> {
    let mut result = Vec::new();
    for band in bands {
        for index in 0..band.count {
            let Some(content) = content(report, kind, index, labels) else {
                continue;
            };
            let (left, top, right, bottom) = slot(band, index);
            result.push(ChartHit {
                left: f64::from(left) / f64::from(size.0),
                top: f64::from(top) / f64::from(size.1),
                width: f64::from(right - left) / f64::from(size.0),
                height: f64::from(bottom - top) / f64::from(size.1),
                title: content.title,
                lines: content.lines,
                drill: content.drill,
                channel: content.channel,
                dates: content.dates,
            });
        }
    }
    result
}

struct Content {
    title: String,
    lines: Vec<String>,
    drill: Option<DrillTarget>,
    channel: Option<String>,
    dates: Option<(String, String)>,
}

fn content(
    report: &KpiReport,
    kind: ChartKind,
    index: usize,
    labels: &ChartLabels,
) -> Option<Content> {
    let count = |n: u32| labels.number(f64::from(n), 0);
    let ratio =
        |value: Option<f64>| value.map_or(labels.not_available.clone(), |v| labels.percent(v));
    let plain = |title: String, lines: Vec<String>| Content {
        title,
        lines,
        drill: None,
        channel: None,
        dates: None,
    };
    match kind {
        ChartKind::Funnel => {
            let step = report.funnel.get(index)?;
            let mut lines = vec![format!("{}: {}", labels.leads, count(step.count))];
            if index > 0 {
                lines.push(ratio(step.step_conversion));
            }
            let drill = match step.stage {
                Stage::New => DrillTarget::NewLeads,
                stage => DrillTarget::Reached { stage },
            };
            Some(Content {
                title: labels.stages.get(index).cloned().unwrap_or_default(),
                lines,
                drill: Some(drill),
                channel: None,
                dates: None,
            })
        }
        ChartKind::Leads => {
            let mut lines: Vec<String> = report
                .leads_by_channel
                .iter()
                .filter(|series| series.leads.get(index).is_some_and(|n| *n > 0))
                .map(|series| {
                    format!(
                        "{}: {}",
                        channel_name(&series.channel, labels),
                        count(series.leads[index])
                    )
                })
                .collect();
            let total: u32 = report
                .leads_by_channel
                .iter()
                .filter_map(|s| s.leads.get(index))
                .sum();
            lines.push(format!("{}: {}", labels.leads, count(total)));
            let bucket = report.buckets.get(index)?;
            Some(Content {
                title: bucket_title(report, index, labels)?,
                lines,
                drill: Some(DrillTarget::NewLeads),
                channel: None,
                dates: Some((bucket.from.clone(), bucket.to.clone())),
            })
        }
        ChartKind::Ratios => {
            let figures = report.per_bucket.get(index)?;
            let lines = vec![
                format!("{}: {}", labels.mql_to_sql, ratio(figures.mql_to_sql_ratio)),
                format!(
                    "{}: {}",
                    labels.conversion_rate,
                    ratio(figures.conversion_rate)
                ),
            ];
            Some(plain(bucket_title(report, index, labels)?, lines))
        }
        ChartKind::Channels => {
            let row = report.by_channel.get(index)?;
            let money = row
                .figures
                .cost_per_lead_cents
                .map_or(labels.not_available.clone(), |c| labels.money(c / 100.0));
            Some(Content {
                title: channel_name(&row.channel, labels),
                lines: vec![
                    format!("{}: {}", labels.leads, count(row.figures.leads)),
                    format!("{}: {money}", labels.cost_per_lead),
                    format!("{}: {}", labels.roi, ratio(row.figures.roi)),
                ],
                drill: Some(DrillTarget::NewLeads),
                channel: Some(row.channel.clone()),
                dates: None,
            })
        }
        ChartKind::TimeToConversion => {
            histogram(&report.conversion_days, index, &labels.days, labels)
        }
        ChartKind::Scores => histogram(&report.scores, index, &labels.score, labels),
    }
}

fn histogram(
    bins: &[crate::kpi::series::HistogramBin],
    index: usize,
    axis: &str,
    labels: &ChartLabels,
) -> Option<Content> {
    let bin = bins.get(index)?;
    Some(Content {
        title: format!("{axis} {}", super::distribution::bin_label(bin, labels)),
        lines: vec![format!(
            "{}: {}",
            labels.leads,
            labels.number(f64::from(bin.count), 0)
        )],
        drill: None,
        channel: None,
        dates: None,
    })
}

fn channel_name(channel: &str, labels: &ChartLabels) -> String {
    if channel == NO_CHANNEL {
        labels.no_channel.clone()
    } else {
        channel.to_owned()
    }
}

fn bucket_title(report: &KpiReport, index: usize, labels: &ChartLabels) -> Option<String> {
    let bucket = report.buckets.get(index)?;
    Some(match report.bucket_size {
        BucketSize::Day => labels.day(&bucket.from),
        BucketSize::Week | BucketSize::Month if bucket.from == bucket.to => {
            labels.day(&bucket.from)
        }
        BucketSize::Week | BucketSize::Month => {
            format!("{} – {}", labels.day(&bucket.from), labels.day(&bucket.to))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpi::KpiRequest;

    const NOW: i64 = 1_735_689_600;

    fn demo_db() -> crate::Database {
        let mut db = crate::Database::open_in_memory().unwrap();
        let options = crate::demo::DemoOptions {
            leads: 300,
            seed: 3,
            until: crate::time::parse_instant("until", "2024-12-31").unwrap(),
        };
        crate::demo::generate(&mut db, &options).unwrap();
        db
    }

    fn utc() -> KpiRequest {
        KpiRequest {
            time_zone: Some("UTC".into()),
            ..KpiRequest::default()
        }
    }

    fn demo_report() -> KpiReport {
        crate::kpi::dashboard_at(demo_db().conn(), &utc(), NOW).unwrap()
    }

    #[test]
    fn leads_bar_opens_its_bucket_leads() {
        let db = demo_db();
        let report = crate::kpi::dashboard_at(db.conn(), &utc(), NOW).unwrap();
        let labels = ChartLabels::english();
        let theme = crate::charts::Theme::Light;
        let image =
            super::super::svg_with_hits(&report, ChartKind::Leads, (640, 360), theme, &labels)
                .unwrap();
        let facts = crate::kpi::Facts::load(db.conn(), &crate::kpi::StoredFitScores).unwrap();
        let mut opened = 0;
        for (index, hit) in image.hits.iter().enumerate() {
            let (from, to) = hit.dates.clone().expect("a leads bar has dates");
            assert_eq!(hit.drill, Some(DrillTarget::NewLeads));
            let drill = crate::kpi::drill::LeadDrill {
                kpi: KpiRequest {
                    range: crate::kpi::RangeRequest::Custom {
                        from: Some(from),
                        to: Some(to),
                    },
                    ..utc()
                },
                target: DrillTarget::NewLeads,
            };
            let ids = crate::kpi::drill::lead_ids(&facts, &drill, chrono_tz::UTC, NOW).unwrap();
            let bar: u32 = report
                .leads_by_channel
                .iter()
                .filter_map(|series| series.leads.get(index))
                .sum();
            assert_eq!(ids.len(), bar as usize, "bar {index}");
            opened += ids.len();
        }
        assert_eq!(opened, report.totals.leads as usize, "bars cover the range");
    }

    #[test]
    fn regions_cover_each_bar_inside_picture() {
        let report = demo_report();
        let labels = ChartLabels::english();
        let theme = crate::charts::Theme::Light;
        let size = (640, 360);
        for kind in ChartKind::ALL {
            let image = super::super::svg_with_hits(&report, kind, size, theme, &labels).unwrap();
            assert!(!image.hits.is_empty(), "{kind:?}");
            for hit in &image.hits {
                assert!(
                    hit.left >= 0.0 && hit.left + hit.width <= 1.0,
                    "{kind:?} {hit:?}"
                );
                assert!(
                    hit.top >= 0.0 && hit.top + hit.height <= 1.0,
                    "{kind:?} {hit:?}"
                );
                assert!(hit.width > 0.0, "{kind:?} {hit:?}");
                assert!(hit.height > 0.0, "{kind:?} {hit:?}");
            }
        }

        let funnel =
            super::super::svg_with_hits(&report, ChartKind::Funnel, size, theme, &labels).unwrap();
        assert_eq!(funnel.hits.len(), 5);
        assert_eq!(funnel.hits[0].drill, Some(DrillTarget::NewLeads));
        assert!(funnel.hits[1].top > funnel.hits[0].top, "steps go down");
        assert_eq!(
            funnel.hits[4].lines[0],
            format!("Leads: {}", report.funnel[4].count)
        );

        let channels =
            super::super::svg_with_hits(&report, ChartKind::Channels, size, theme, &labels)
                .unwrap();
        let first = &channels.hits[0];
        assert_eq!(
            first.channel.as_deref(),
            Some(report.by_channel[0].channel.as_str())
        );
        assert!(
            first.top < channels.hits[1].top,
            "the busiest channel is on top"
        );
    }
}
