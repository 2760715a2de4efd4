{#-
  Batch selection. `--vars '{batch_date: "2026-03-14"}'` makes incremental models rebuild
  only that landing day (delete+insert keyed on batch_date) and scopes data tests to it;
  without the var every batch is built and tested.
-#}

{#- The batch_date var as a validated 'YYYY-MM-DD' string, or none when not given. -#}
{% macro current_batch_date() -%}
    {%- set value = var('batch_date', none) -%}
    {%- if value is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string | trim -%}
    {%- if text | lower in ('', 'none', 'null') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
        {{ exceptions.raise_compiler_error("var batch_date must look like YYYY-MM-DD, got '" ~ text ~ "'") }}
    {%- endif -%}
    {%- do modules.datetime.date.fromisoformat(text) -%}
    {{ return(text) }}
{%- endmacro %}


{#- SQL predicate selecting the current batch on `column` (always true without the var). -#}
{% macro batch_date_filter(column='batch_date') -%}
    {%- set batch = current_batch_date() -%}
    {%- if batch is none -%}
        1 = 1
    {%- else -%}
        {{ column }} = cast('{{ batch }}' as date)
    {%- endif -%}
{%- endmacro %}


{#- A day interval literal accepted by both DuckDB and PostgreSQL (window frames, arithmetic). -#}
{% macro days_interval(days) -%}
    interval '{{ days | int }} days'
{%- endmacro %}
