/** A plain-text table for terminals: columns padded to their widest cell, long cells cut. */

const MAX_CELL = 90;

export function renderTable(header: string[], rows: string[][]): string {
    const cut = (cell: string) => (cell.length > MAX_CELL ? `${cell.slice(0, MAX_CELL - 1)}…` : cell);
    const cells = [header, ...rows].map((row) => row.map((cell) => cut(cell.replace(/\s+/g, " ").trim())));
    const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
    const line = (row: string[]) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ");
    return [line(cells[0]), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}
