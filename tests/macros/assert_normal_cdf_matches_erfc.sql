-- normal_cdf against an independent reference: Phi(x) = erfc(-x / sqrt 2) / 2 from
-- Python's math.erfc, printed to full precision. Fails on any point more than 1e-12 off
-- (the algorithm's own error is below 1e-14), across both branches of the macro and
-- both tails.

with

reference (x, expected_phi) as (
    select
        points.x,
        points.expected_phi
    from (
        values
        (-8.0, 6.220960574271819e-16),
        (-5.0, 2.866515718791946e-07),
        (-3.0, 0.0013498980316300957),
        (-1.959963984540054, 0.02500000000000002),
        (-1.0, 0.15865525393145707),
        (-0.5, 0.3085375387259869),
        (0.0, 0.5),
        (0.3, 0.6179114221889526),
        (1.0, 0.8413447460685429),
        (1.644853626951472, 0.95),
        (2.5, 0.9937903346742238),
        (4.0, 0.9999683287581669),
        (6.0, 0.9999999990134123),
        (7.5, 0.9999999999999681),
        (10.0, 1.0)
    ) as points (x, expected_phi)
),

computed as (
    select
        x,
        expected_phi,
        {{ normal_cdf('x') }} as actual_phi
    from reference
)

select *
from computed
where abs(actual_phi - expected_phi) > 1e-12 or actual_phi is null
