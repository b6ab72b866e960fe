//! CLV helpers: consistency with the models they combine.

use fidelis_analytics::{
    BgNbdParams, ClvOptions, CustomerSummary, GammaGammaParams, ParetoNbdParams,
    RepeatPurchaseModel, SbgParams, contractual_clv, non_contractual_clv,
};

use crate::cdnow::assert_close;

const BGNBD: BgNbdParams = BgNbdParams {
    r: 0.2426,
    alpha: 4.4135,
    a: 0.7929,
    b: 2.4258,
};
const PARETO: ParetoNbdParams = ParetoNbdParams {
    r: 0.5533,
    alpha: 10.578,
    s: 0.6062,
    beta: 11.669,
};
const SPEND: GammaGammaParams = GammaGammaParams {
    p: 6.2488,
    q: 3.7446,
    gamma: 15.4477,
};

#[test]
fn undiscounted_single_period_is_purchases_times_spend_times_margin() {
    let customer = CustomerSummary::new(2, 30.43, 38.86).with_monetary_value(22.35);
    let models: [&dyn RepeatPurchaseModel; 2] = [&BGNBD, &PARETO];
    for model in models {
        let one = ClvOptions {
            margin_rate: 0.3,
            discount_rate: 0.0,
            period_length: 52.0,
            periods: 1,
        };
        let want = 0.3
            * SPEND.conditional_expected_average_spend(&customer)
            * model.conditional_expected_purchases(52.0, &customer);
        assert_close(
            "one period",
            non_contractual_clv(model, &SPEND, &customer, &one),
            want,
            1e-9,
        );
        // Splitting the year into months without discounting changes nothing.
        let months = ClvOptions {
            period_length: 52.0 / 12.0,
            periods: 12,
            ..one
        };
        assert_close(
            "twelve months",
            non_contractual_clv(model, &SPEND, &customer, &months),
            want,
            1e-9,
        );
        // Discounting lowers the value; a longer horizon raises it.
        let discounted = ClvOptions {
            discount_rate: 0.01,
            ..months
        };
        let value = non_contractual_clv(model, &SPEND, &customer, &discounted);
        assert!(value < want && value > 0.8 * want, "{value} vs {want}");
        let longer = ClvOptions {
            periods: 36,
            ..discounted
        };
        assert!(non_contractual_clv(model, &SPEND, &customer, &longer) > value);
    }
}

#[test]
fn contractual_clv_tends_to_margin_times_derl() {
    let retention = SbgParams {
        alpha: 0.704,
        beta: 1.182,
    };
    for renewals in [0, 4] {
        let long = contractual_clv(&retention, 25.0, 0.1, renewals, 2_000);
        assert_close(
            "horizon → ∞",
            long,
            25.0 * retention.derl(0.1, renewals + 1),
            1e-8,
        );
    }
    // One period: the margin times the probability of renewing once.
    let one = contractual_clv(&retention, 25.0, 0.1, 0, 1);
    assert_close("one renewal", one, 25.0 * retention.survival(1), 1e-12);
}
