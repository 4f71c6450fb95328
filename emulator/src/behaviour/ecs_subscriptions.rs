//! Subscription (`PrePaid`) instances: their term and its renewal. `RunInstances` and
//! `CreateInstance` with `InstanceChargeType=PrePaid` start a term of `Period` `PeriodUnit`s,
//! `ModifyInstanceChargeType` starts or ends one, `RenewInstance` extends it, and
//! `DescribeInstanceAutoRenewAttribute` / `ModifyInstanceAutoRenewAttribute` read and set how
//! it renews.
//!
//! A term ends at midnight China Standard Time (16:00 UTC) on or after the day it runs out,
//! and `DescribeInstances` shows that in `ExpiredTime`; a pay-as-you-go instance shows the
//! service's far-future `2099-12-31T15:59Z`. Like the service: periods are 1 to 9, 12, 24, 36,
//! 48 or 60 months or 1 to 4 weeks (`InvalidPeriod`), auto-renewal durations 1, 2, 3, 6, 12,
//! 24, 36, 48 or 60 months or 1 to 3 weeks, a pay-as-you-go instance has no renewal
//! (`ChargeTypeViolation`), and `RenewInstance` takes a period or an `ExpectedRenewDay`, not
//! both. Not modelled: a term that runs out does not stop or release its instance, and no
//! renewal happens by itself; orders are not kept (`OrderId` is a fresh number).

use std::time::SystemTime;

use serde_json::{Map, Value, json};
use time::{Date, Duration, OffsetDateTime, Time};

use super::{Context, Model, Outcome, ecs_instances};
use crate::clock;
use crate::error::ApiError;
use crate::store::{self, Resource, Store};
use crate::world::{Tracked, World};

/// The renewal actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("RenewInstance", renew_instance),
    Model::ecs(
        "DescribeInstanceAutoRenewAttribute",
        describe_auto_renew_attribute,
    ),
    Model::ecs(
        "ModifyInstanceAutoRenewAttribute",
        modify_auto_renew_attribute,
    ),
];

/// `ExpiredTime` of an instance without a term.
pub(super) const NO_EXPIRY: &str = "2099-12-31T15:59Z";

/// How a subscription renews: `AutoRenewal`, `Normal` (renewed by hand) or `NotRenewal`.
const RENEWAL_STATUS: &str = "_RenewalStatus";
/// The auto-renewal's length, in [`RENEWAL_UNIT`]s.
const RENEWAL_DURATION: &str = "_RenewalDuration";
/// `Month` or `Week`.
const RENEWAL_UNIT: &str = "_RenewalPeriodUnit";

/// Most ids one renewal action names.
const MAX_IDS: usize = 100;

/// The unit of a term or renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Month,
    Week,
}

impl Unit {
    /// `PeriodUnit` as sent (`Month` when absent), or `InvalidPeriodUnit.ValueNotSupported`.
    fn of(ctx: &Context<'_>) -> Result<Unit, ApiError> {
        match ctx.input.str("PeriodUnit") {
            None | Some("") => Ok(Unit::Month),
            Some(unit) if unit.eq_ignore_ascii_case("month") => Ok(Unit::Month),
            Some(unit) if unit.eq_ignore_ascii_case("week") => Ok(Unit::Week),
            Some(_) => Err(ctx.spec_error(
                "InvalidPeriodUnit.ValueNotSupported",
                400,
                "The specified parameter PeriodUnit is not valid.",
            )),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Unit::Month => "Month",
            Unit::Week => "Week",
        }
    }

    /// Whether `n` of this unit is a term the service sells.
    fn is_term(self, n: i64) -> bool {
        match self {
            Unit::Month => (1..=9).contains(&n) || [12, 24, 36, 48, 60].contains(&n),
            Unit::Week => (1..=4).contains(&n),
        }
    }

    /// Whether `n` of this unit is an auto-renewal length the service offers.
    fn is_renewal(self, n: i64) -> bool {
        match self {
            Unit::Month => [1, 2, 3, 6, 12, 24, 36, 48, 60].contains(&n),
            Unit::Week => (1..=3).contains(&n),
        }
    }
}

fn invalid_period(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error("InvalidPeriod", 400, "The specified period is not valid.")
}

fn charge_type_violation(ctx: &Context<'_>) -> ApiError {
    ctx.spec_error(
        "ChargeTypeViolation",
        403,
        "Pay-As-You-Go instances do not support this operation.",
    )
}

/// `start` plus `n` `unit`s (a month later on the same day, or the month's last day), moved on
/// to the next 16:00 UTC.
fn term_end(start: SystemTime, n: i64, unit: Unit) -> SystemTime {
    let start = OffsetDateTime::from(start);
    let end = match unit {
        Unit::Week => start.saturating_add(Duration::weeks(n)),
        Unit::Month => {
            let months = i64::from(start.year()) * 12 + i64::from(u8::from(start.month())) - 1 + n;
            let year = i32::try_from(months.div_euclid(12))
                .unwrap_or(9999)
                .min(9999);
            let month = time::Month::try_from(u8::try_from(months.rem_euclid(12) + 1).unwrap_or(1))
                .unwrap_or(time::Month::January);
            let day = start.day().min(month.length(year));
            Date::from_calendar_date(year, month, day)
                .map_or(start, |date| start.replace_date(date))
        }
    };
    next_midnight_cst(end)
}

/// The first 16:00 UTC (midnight in China) at or after `t`.
fn next_midnight_cst(t: OffsetDateTime) -> SystemTime {
    let four_pm = Time::from_hms(16, 0, 0).unwrap_or(Time::MIDNIGHT);
    let same_day = t.replace_time(four_pm);
    let end = if same_day >= t {
        same_day
    } else {
        same_day.saturating_add(Duration::days(1))
    };
    SystemTime::from(end)
}

/// The `ExpiredTime` of `record`, when it is one this module wrote.
fn expired_time(record: &Resource) -> Option<SystemTime> {
    clock::parse_record_time(record.str("ExpiredTime")?)
}

/// The term a launch or `ModifyInstanceChargeType` asks for: `Period` in `PeriodUnit`s, with
/// `AutoRenew` for `AutoRenewPeriod` (1 when absent) of the same unit.
pub(super) struct Term {
    expires: String,
    unit: Unit,
    auto_renew: Option<i64>,
}

impl Term {
    /// The term a request for a subscription asks for, checked. `Period` is required unless
    /// the action documents a `default_period`.
    pub(super) fn requested(
        ctx: &Context<'_>,
        default_period: Option<i64>,
    ) -> Result<Term, ApiError> {
        let input = ctx.input;
        let unit = Unit::of(ctx)?;
        let period = input
            .int("Period")
            .or(default_period)
            .ok_or_else(|| ApiError::missing_parameter("Period"))?;
        if !unit.is_term(period) {
            return Err(invalid_period(ctx));
        }
        let auto_renew = if input.bool("AutoRenew").unwrap_or(false) {
            let length = input.int("AutoRenewPeriod").unwrap_or(1);
            if !unit.is_renewal(length) {
                return Err(ctx.spec_error(
                    "InvalidAutoRenewPeriod.ValueNotSupported",
                    400,
                    "The specified autoRenewPeriod is not valid.",
                ));
            }
            Some(length)
        } else {
            None
        };
        Ok(Term {
            expires: clock::rfc3339_minutes(term_end(ctx.now, period, unit)),
            unit,
            auto_renew,
        })
    }

    /// Writes the term into an instance's record.
    pub(super) fn apply(&self, record: &mut Resource) {
        record.set("ExpiredTime", self.expires.as_str());
        record.set(
            RENEWAL_STATUS,
            if self.auto_renew.is_some() {
                "AutoRenewal"
            } else {
                "Normal"
            },
        );
        record.set(RENEWAL_DURATION, self.auto_renew.unwrap_or(0));
        record.set(RENEWAL_UNIT, self.unit.name());
    }
}

/// Ends an instance's term (it became pay-as-you-go).
pub(super) fn end_term(record: &mut Resource) {
    record.set("ExpiredTime", NO_EXPIRY);
    for key in [RENEWAL_STATUS, RENEWAL_DURATION, RENEWAL_UNIT] {
        record.attrs.remove(key);
    }
}

fn is_subscription(record: &Resource) -> bool {
    record.str("InstanceChargeType") == Some("PrePaid")
}

/// The instances `InstanceId` names (comma-separated or a JSON list, at most 100), each
/// known in the request's region; `Ok(None)` when it names none.
fn named_instances(world: &World, ctx: &Context<'_>) -> Result<Option<Vec<String>>, ApiError> {
    let ids = ctx.input.ids("InstanceId");
    if ids.is_empty() {
        return Ok(None);
    }
    if ids.len() > MAX_IDS {
        return Err(ctx.spec_error(
            "InvalidParameter.ToManyInstanceIds",
            400,
            "InstanceId should be less than 100.",
        ));
    }
    for id in &ids {
        ecs_instances::find(world, ctx, id)?;
    }
    Ok(Some(ids))
}

/// A `RenewalStatus` the service knows, or `InvalidParameter.RenewalStatus`.
fn renewal_status<'a>(ctx: &Context<'a>) -> Result<Option<&'a str>, ApiError> {
    match ctx.input.str("RenewalStatus").filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(status @ ("AutoRenewal" | "Normal" | "NotRenewal")) => Ok(Some(status)),
        Some(_) => Err(ctx.spec_error(
            "InvalidParameter.RenewalStatus",
            400,
            "The specified parameter RenewalStatus is not valid.",
        )),
    }
}

fn describe_auto_renew_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let status = renewal_status(ctx)?;
    let named = named_instances(world, ctx)?;
    if named.is_none() && status.is_none() {
        return Err(ctx.spec_error(
            "InvalidParameter.RenewalStatusInstanceId",
            400,
            "The parameter RenewalStatus and InstanceId can not be both empty.",
        ));
    }
    let region = ctx.region();
    let rows: Vec<&Tracked> = match &named {
        Some(ids) => {
            let rows: Vec<&Tracked> = ids.iter().filter_map(|id| world.get(id)).collect();
            if rows.iter().any(|t| !is_subscription(&t.ecs)) {
                return Err(charge_type_violation(ctx));
            }
            rows
        }
        None => world
            .iter()
            .filter(|t| t.instance.region == region && is_subscription(&t.ecs))
            .collect(),
    };
    let rows: Vec<&Tracked> = rows
        .into_iter()
        .filter(|t| status.is_none_or(|s| t.ecs.str(RENEWAL_STATUS) == Some(s)))
        .collect();
    store::page(input, rows, "InstanceRenewAttributes", |t| {
        let status = t.ecs.str(RENEWAL_STATUS).unwrap_or("Normal");
        json!({
            "InstanceId": t.instance.id,
            "AutoRenewEnabled": status == "AutoRenewal",
            "RenewalStatus": status,
            "Duration": t.ecs.attrs.get(RENEWAL_DURATION).cloned().unwrap_or(json!(0)),
            "PeriodUnit": t.ecs.str(RENEWAL_UNIT).unwrap_or("Month"),
        })
    })
}

fn modify_auto_renew_attribute(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let ids =
        named_instances(world, ctx)?.ok_or_else(|| ApiError::missing_parameter("InstanceId"))?;
    if ids
        .iter()
        .filter_map(|id| world.get(id))
        .any(|t| !is_subscription(&t.ecs))
    {
        return Err(charge_type_violation(ctx));
    }
    let status = match renewal_status(ctx)? {
        Some(status) => status,
        None if input.bool("AutoRenew").unwrap_or(false) => "AutoRenewal",
        None => "Normal",
    };
    let unit = Unit::of(ctx)?;
    let duration = input.int("Duration");
    if status == "AutoRenewal" {
        let length = duration.unwrap_or(1);
        if !unit.is_renewal(length) {
            return Err(ctx.spec_error(
                "InvalidParameter.Duration",
                400,
                &format!(
                    "Duration {length} is not a renewal length of unit {}.",
                    unit.name()
                ),
            ));
        }
    }
    for id in &ids {
        if let Some(t) = world.get_mut(id) {
            t.ecs.set(RENEWAL_STATUS, status);
            if status == "AutoRenewal" {
                t.ecs.set(RENEWAL_DURATION, duration.unwrap_or(1));
                t.ecs.set(RENEWAL_UNIT, unit.name());
            }
        }
    }
    Ok(Map::new())
}

/// The first 16:00 UTC after `after` that is midnight starting day `day` of a month in China.
fn next_renew_day(after: SystemTime, day: u8) -> SystemTime {
    let mut t = OffsetDateTime::from(next_midnight_cst(OffsetDateTime::from(after)));
    // Midnight in China on day `day` is 16:00 UTC the day before; at most two months ahead.
    for _ in 0..62 {
        if t > OffsetDateTime::from(after) && t.saturating_add(Duration::hours(8)).day() == day {
            break;
        }
        t = t.saturating_add(Duration::days(1));
    }
    SystemTime::from(t)
}

fn renew_instance(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    if let Some(replayed) = ctx.replay(world)? {
        return Ok(replayed);
    }
    let id = input.str("InstanceId").unwrap_or_default().to_owned();
    let record = &ecs_instances::find(world, ctx, &id)?.ecs;
    if !is_subscription(record) {
        return Err(charge_type_violation(ctx));
    }
    let period = input.int("Period");
    let renew_day = input.int("ExpectedRenewDay");
    let current = expired_time(record).unwrap_or(ctx.now).max(ctx.now);
    let expires = match (period, renew_day) {
        (Some(_), Some(_)) => {
            return Err(ctx.spec_error(
                "InvalidExpectedRenewDay.Conflict",
                400,
                "The specified expectedRenewDay is in conflict with period.",
            ));
        }
        (None, None) => {
            return Err(ctx.spec_error(
                "InvalidPeriod.NotFound",
                400,
                "The specified period and expectedRenewDay cannot both be empty.",
            ));
        }
        (Some(period), None) => {
            let unit = Unit::of(ctx)?;
            if !unit.is_term(period) {
                return Err(invalid_period(ctx));
            }
            term_end(current, period, unit)
        }
        (None, Some(day)) => {
            let day = u8::try_from(day)
                .ok()
                .filter(|d| (1..=28).contains(d))
                .ok_or_else(|| {
                    ctx.spec_error(
                        "InvalidExpectedRenewDay.ValueNotSupported",
                        400,
                        "The specified parameter ExpectedRenewDay is not valid.",
                    )
                })?;
            next_renew_day(current, day)
        }
    };
    if let Some(t) = world.get_mut(&id) {
        t.ecs.set("ExpiredTime", clock::rfc3339_minutes(expires));
    }
    let mut out = Map::new();
    out.insert("OrderId".into(), json!(order_id(&mut world.store)));
    ctx.remember(world, &out);
    Ok(out)
}

/// A new order number, as the service writes them (digits).
fn order_id(store: &mut Store) -> Value {
    json!(format!("2{:014}", store.next_seq()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> SystemTime {
        clock::parse_timestamp(text).unwrap()
    }

    fn minutes(t: SystemTime) -> String {
        clock::rfc3339_minutes(t)
    }

    #[test]
    fn a_term_ends_at_midnight_in_china() {
        // 10:00 UTC on 15 January: one month later, then on to 16:00 UTC that day.
        assert_eq!(
            minutes(term_end(at("2026-01-15T10:00:00Z"), 1, Unit::Month)),
            "2026-02-15T16:00Z"
        );
        // After 16:00 UTC the term ends the next day's 16:00.
        assert_eq!(
            minutes(term_end(at("2026-01-15T17:00:00Z"), 1, Unit::Month)),
            "2026-02-16T16:00Z"
        );
        // 31 January plus a month is the last day of February.
        assert_eq!(
            minutes(term_end(at("2026-01-31T10:00:00Z"), 1, Unit::Month)),
            "2026-02-28T16:00Z"
        );
        assert_eq!(
            minutes(term_end(at("2026-11-20T10:00:00Z"), 24, Unit::Month)),
            "2028-11-20T16:00Z"
        );
        assert_eq!(
            minutes(term_end(at("2026-12-30T10:00:00Z"), 2, Unit::Week)),
            "2027-01-13T16:00Z"
        );
    }

    #[test]
    fn periods_the_service_sells() {
        assert!(Unit::Month.is_term(9) && Unit::Month.is_term(60));
        assert!(!Unit::Month.is_term(10) && !Unit::Month.is_term(0));
        assert!(Unit::Week.is_term(4) && !Unit::Week.is_term(5));
        assert!(Unit::Month.is_renewal(6) && !Unit::Month.is_renewal(5));
        assert!(Unit::Week.is_renewal(3) && !Unit::Week.is_renewal(4));
    }

    #[test]
    fn an_expected_renew_day_is_the_next_such_day_in_china() {
        // Expires 16:00 UTC on 9 March (midnight starting 10 March in China).
        let current = at("2026-03-09T16:00:00Z");
        assert_eq!(minutes(next_renew_day(current, 5)), "2026-04-04T16:00Z");
        assert_eq!(minutes(next_renew_day(current, 11)), "2026-03-10T16:00Z");
    }
}
