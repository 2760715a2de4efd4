{#-
  Custom schemas are used verbatim (`staging`, `intermediate`, `marts`), not appended to the
  target schema as dbt does by default. An optional prefix from env DATAOPS_SCHEMA_PREFIX
  (e.g. `ci_1234_`) isolates parallel runs on one database: `ci_1234_marts`. The same prefix
  applies to the raw source schema (`<prefix>raw`, see models/staging/_landing__sources.yml).
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set prefix = schema_prefix() -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ prefix ~ (custom_schema_name | trim) }}
    {%- endif -%}
{%- endmacro %}


{#- The validated schema prefix from env DATAOPS_SCHEMA_PREFIX ('' when unset). -#}
{% macro schema_prefix() -%}
    {%- set prefix = env_var('DATAOPS_SCHEMA_PREFIX', '') | trim -%}
    {%- if prefix and not modules.re.match('^[a-z_][a-z0-9_]*$', prefix) -%}
        {{ exceptions.raise_compiler_error("DATAOPS_SCHEMA_PREFIX must match [a-z_][a-z0-9_]*, got '" ~ prefix ~ "'") }}
    {%- endif -%}
    {{ return(prefix) }}
{%- endmacro %}
