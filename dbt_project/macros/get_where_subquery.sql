{#-
  Overrides dbt's get_where_subquery so a test `where` config may contain the placeholder
  `__current_batch__`; it becomes the batch_date predicate of the current batch (see
  batch_date.sql), or disappears when no batch_date var is given. dbt_project.yml sets it for
  every test of this project, so a daily build tests the day it built, not the whole history.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where and '__current_batch__' in where -%}
        {%- set batch_predicate = batch_date_filter('batch_date') -%}
        {%- if batch_predicate == '1 = 1' and where | trim == '__current_batch__' -%}
            {%- set where = '' -%}
        {%- else -%}
            {%- set where = where | replace('__current_batch__', batch_predicate) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
