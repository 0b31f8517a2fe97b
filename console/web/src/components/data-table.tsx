import type { ComponentChildren } from "preact";

/** A column heading; a numeric one is right-aligned, as its cells are (class "num"). */
export type Column = string | { readonly label: string; readonly numeric: true };

/**
 * The console's tables: headings, then the rows the caller renders. Headings are unique within a
 * table (the one without text, over row actions, is ""), so they key the header cells.
 */
export function DataTable({
  columns,
  variant,
  children,
}: {
  columns: readonly Column[];
  /** An extra class on the table, e.g. "table-sides". */
  variant?: string;
  children: ComponentChildren;
}) {
  return (
    <div class="table-wrap">
      <table class={variant === undefined ? "table" : `table ${variant}`}>
        <thead>
          <tr>
            {columns.map((c) =>
              typeof c === "string" ? (
                <th key={c}>{c}</th>
              ) : (
                <th key={c.label} class="num">
                  {c.label}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
