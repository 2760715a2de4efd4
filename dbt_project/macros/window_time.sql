{#-
  Time-based window frames, one portable spelling with a fast path on DuckDB.

      order by {{ window_time_key('tx_ts') }}
      range between {{ window_days_offset(30) }} preceding and current row

  PostgreSQL (and the default) orders by the timestamp with an interval offset. DuckDB orders by
  epoch microseconds (BIGINT) with an integer offset: the same frame, computed about twice as fast
  as a timestamp/interval frame.
-#}

{% macro window_time_key(ts) -%}
    {{ return(adapter.dispatch('window_time_key')(ts)) }}
{%- endmacro %}

{% macro default__window_time_key(ts) -%}
    {{ ts }}
{%- endmacro %}

{% macro duckdb__window_time_key(ts) -%}
    epoch_us({{ ts }})
{%- endmacro %}


{% macro window_days_offset(days) -%}
    {{ return(adapter.dispatch('window_days_offset')(days)) }}
{%- endmacro %}

{% macro default__window_days_offset(days) -%}
    {{ days_interval(days) }}
{%- endmacro %}

{% macro duckdb__window_days_offset(days) -%}
    {{ (days | int) * 86400000000 }}
{%- endmacro %}
