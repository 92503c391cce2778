/** Prints rows as an aligned text table: text left-aligned, numbers right-aligned. */
export const printTable = (
  title: string,
  headers: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>
): void => {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length))
  )
  const numeric = headers.map((_, column) => rows.every((row) => /^[\d.,x×-]/.test(row[column] ?? "")))
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? cell.length
        return numeric[column] === true ? cell.padStart(width) : cell.padEnd(width)
      })
      .join("  ")
      .trimEnd()
  console.log(`\n${title}`)
  console.log(line(headers))
  console.log(widths.map((width) => "-".repeat(width)).join("  "))
  rows.forEach((row) => console.log(line(row)))
}

export const ms = (value: number): string => `${value.toFixed(value < 1 ? 4 : value < 100 ? 2 : 0)} ms`

export const perSecond = (value: number): string => `${Math.round(value).toLocaleString("en-US")}/s`

export const ratio = (value: number): string =>
  `${value >= 10 ? value.toFixed(1) : value >= 0.1 ? value.toFixed(2) : value.toPrecision(2)}x`

export const count = (value: number): string => value.toLocaleString("en-US")

/** Bytes in KiB below 1 MiB, else MiB. */
export const bytes = (value: number): string =>
  Math.abs(value) < 1024 * 1024
    ? `${(value / 1024).toFixed(1)} KiB`
    : `${(value / 1024 / 1024).toFixed(1)} MiB`
