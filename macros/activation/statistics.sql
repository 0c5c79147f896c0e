{#- Statistics for the decision and the experiments, one home for every engine.

    Why these are macros and not engine functions: DuckDB 2.0 and PostgreSQL 15 have no
    `erf` (so no normal CDF), and no engine has a Wilson interval or a two-proportion
    z-test. Each macro is plain arithmetic plus exp / sqrt / abs / nullif / case, which
    DuckDB, PostgreSQL and Spark all have, so every mart computes the same number on every
    engine. Every input is cast to a double before any division: PostgreSQL's `2 / 5` is 0
    (integer division), and DuckDB reads a literal such as `0.2316419` as a decimal, which
    a double operand then turns into a double: the arithmetic stays in IEEE doubles
    everywhere (and can be reproduced by hand, to the last digit, in Python). Arguments
    are SQL expressions; each macro returns one SQL expression. -#}

{#- The engine's 8-byte float type. Not dbt.type_float(): that is `float`, which is a
    4-byte REAL on DuckDB and Spark (7 significant digits: too few for a p-value). -#}
{% macro stat_double_type() -%}
    {{ return(adapter.dispatch('stat_double_type', 'activation_warehouse')()) }}
{%- endmacro %}

{% macro default__stat_double_type() -%}
    double precision
{%- endmacro %}

{% macro duckdb__stat_double_type() -%}
    double
{%- endmacro %}

{% macro spark__stat_double_type() -%}
    double
{%- endmacro %}

{#- An expression as an 8-byte float, so a division never truncates to an integer. -#}
{% macro stat_to_double(expr) -%}
    cast({{ expr }} as {{ stat_double_type() }})
{%- endmacro %}

{#- The standard normal upper tail Q(a) = 1 - Phi(a) for a >= 0, to double precision
    (absolute error below 1e-14), by Hart's algorithm 5666 as given by G. West, "Better
    approximations to cumulative normal functions" (Wilmott, 2005): a ratio of two
    polynomials times exp(-a^2 / 2) below a = 5 sqrt 2, a continued fraction above it, 0
    beyond a = 37. Abramowitz & Stegun 26.2.17 (error 7.5e-8) is not enough: a two-sided
    p-value doubles its error past 1e-7. p-values use the tail directly (2 Q(|z|), not
    2 (1 - Phi(|z|))), so no digits are lost to the cancellation in 1 - Phi. Plain
    arithmetic and exp only, so it runs on DuckDB, PostgreSQL and Spark alike. The caller
    passes a non-negative expression. -#}
{% macro _normal_upper_tail(a) -%}
    (
        case
            when {{ a }} > 37.0 then 0.0
            when {{ a }} < 7.07106781186547 then
                exp(-0.5 * ({{ a }}) * ({{ a }}))
                * ((((((0.0352624965998911 * ({{ a }}) + 0.700383064443688) * ({{ a }})
                    + 6.37396220353165) * ({{ a }}) + 33.912866078383) * ({{ a }})
                    + 112.079291497871) * ({{ a }}) + 221.213596169931) * ({{ a }})
                    + 220.206867912376)
                / (((((((0.0883883476483184 * ({{ a }}) + 1.75566716318264) * ({{ a }})
                    + 16.064177579207) * ({{ a }}) + 86.7807322029461) * ({{ a }})
                    + 296.564248779674) * ({{ a }}) + 637.333633378831) * ({{ a }})
                    + 793.826512519948) * ({{ a }}) + 440.413735824752)
            else
                exp(-0.5 * ({{ a }}) * ({{ a }}))
                / (({{ a }}) + 1.0 / (({{ a }}) + 2.0 / (({{ a }}) + 3.0 / (({{ a }}) + 4.0 / (({{ a }}) + 0.65)))))
                / 2.506628274631
        end
    )
{%- endmacro %}

{#- Phi(x), the standard normal CDF (absolute error below 1e-14), using the symmetry
    Phi(x) = 1 - Q(|x|) for x >= 0 and Q(|x|) for x < 0. Null in, null out. -#}
{% macro normal_cdf(x) -%}
    {%- set a = 'abs(' ~ stat_to_double(x) ~ ')' -%}
    (
        case
            when {{ stat_to_double(x) }} >= 0 then 1.0 - {{ _normal_upper_tail(a) }}
            else {{ _normal_upper_tail(a) }}
        end
    )
{%- endmacro %}

{#- The 95% two-sided normal quantile, z = Phi^-1(0.975), as a double. -#}
{% macro _wilson_z() -%}
    {{ stat_to_double('1.959963984540054') }}
{%- endmacro %}

{#- Wilson score interval for a proportion, 95%. Unlike the normal ("Wald") interval it
    stays inside [0, 1] and stays honest for small samples and rates near 0 or 1, which is
    where a decision on a few dozen users lives:

        centre    = (p + z^2 / (2n)) / (1 + z^2 / n)
        half      = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / (4 n^2))
        low, high = centre -/+ half,   p = successes / n,  z = 1.959963984540054

    0 of n gives a low bound of exactly 0 and n of n a high bound of exactly 1 (the
    formula's value; floating point would otherwise leave a 1e-16 crumb, e.g.
    0.9999999999999999 for 10 of 10), and the bounds are clamped to [0, 1]. Null when
    trials is null or 0 (no interval without data). -#}
{% macro _wilson_bound(successes, trials, sign) -%}
    {%- set n = 'nullif(' ~ stat_to_double(trials) ~ ', 0)' -%}
    {%- set p = '(' ~ stat_to_double(successes) ~ ' / ' ~ n ~ ')' -%}
    {%- set z = _wilson_z() -%}
    (
        (
            ({{ p }} + {{ z }} * {{ z }} / (2.0 * {{ n }}))
            {{ sign }} {{ z }} * sqrt({{ p }} * (1.0 - {{ p }}) / {{ n }} + {{ z }} * {{ z }} / (4.0 * {{ n }} * {{ n }}))
        )
        / (1.0 + {{ z }} * {{ z }} / {{ n }})
    )
{%- endmacro %}

{#- The clamps are CASE, not greatest / least: those skip nulls on DuckDB, PostgreSQL
    and Spark (least(1.0, null) is 1.0), which would invent a bound where there is none. -#}
{% macro wilson_interval_low(successes, trials) -%}
    {%- set bound = _wilson_bound(successes, trials, '-') -%}
    (
        case
            when {{ successes }} = 0 and {{ trials }} > 0 then 0.0
            when {{ bound }} < 0.0 then 0.0
            else {{ bound }}
        end
    )
{%- endmacro %}

{% macro wilson_interval_high(successes, trials) -%}
    {%- set bound = _wilson_bound(successes, trials, '+') -%}
    (
        case
            when {{ successes }} = {{ trials }} and {{ trials }} > 0 then 1.0
            when {{ bound }} > 1.0 then 1.0
            else {{ bound }}
        end
    )
{%- endmacro %}

{#- The z statistic of the pooled two-proportion z-test of x1 / n1 (e.g. control)
    against x2 / n2 (e.g. a treatment). Under the null both groups share one rate, so
    the standard error uses the pooled rate:

        p_pool = (x1 + x2) / (n1 + n2)
        se     = sqrt(p_pool (1 - p_pool) (1 / n1 + 1 / n2))
        z      = (x2 / n2 - x1 / n1) / se

    Null when the test is undefined: an empty group (n = 0) or a zero pooled variance
    (every user in both groups activated, or none did), since z is then 0 / 0. -#}
{% macro two_proportion_z(x1, n1, x2, n2) -%}
    {%- set n1d = 'nullif(' ~ stat_to_double(n1) ~ ', 0)' -%}
    {%- set n2d = 'nullif(' ~ stat_to_double(n2) ~ ', 0)' -%}
    {%- set pooled = '((' ~ stat_to_double(x1) ~ ' + ' ~ stat_to_double(x2) ~ ') / (' ~ n1d ~ ' + ' ~ n2d ~ '))' -%}
    {%- set se = 'sqrt(' ~ pooled ~ ' * (1.0 - ' ~ pooled ~ ') * (1.0 / ' ~ n1d ~ ' + 1.0 / ' ~ n2d ~ '))' -%}
    ((({{ stat_to_double(x2) }} / {{ n2d }} - {{ stat_to_double(x1) }} / {{ n1d }}) / nullif({{ se }}, 0)))
{%- endmacro %}

{#- The two-sided p-value of a z statistic, p = 2 Q(|z|) = 2 (1 - Phi(|z|)); null for a
    null z. Capped at 1 (by CASE, which keeps a null null) as a guard: the
    approximation's error could otherwise push a p-value near z = 0 past 1 (with these
    coefficients z = 0 gives 0.9999999990).

    Pass a column, not a long expression: the tail repeats its argument about thirty
    times, so a model computes z in one step (two_proportion_z) and the p-value from that
    column in the next. Inlined, the z-test made experiment_results' SQL 42k characters:
    the slowest file to lint and, on Spark, the slowest model to plan. -#}
{% macro two_sided_p_value(z) -%}
    {%- set p_value = '(2.0 * ' ~ _normal_upper_tail('abs(' ~ z ~ ')') ~ ')' -%}
    (case when {{ p_value }} > 1.0 then 1.0 else {{ p_value }} end)
{%- endmacro %}
