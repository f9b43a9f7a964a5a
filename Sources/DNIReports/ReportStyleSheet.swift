/// The report page's CSS, inlined into every report so the file stands alone.
enum ReportStyleSheet {
    /// A quiet, print-like page: a booktabs-style table and a grid of figures.
    static let css = """
    :root { color-scheme: light; }
    body { font-family: Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif; color: #1a1a1a;
      background: #ffffff; max-width: 1260px; margin: 28px auto; padding: 0 28px; line-height: 1.45; }
    h1 { font-size: 1.55rem; font-weight: 600; margin: 0 0 0.3rem; }
    h2 { font-size: 1.1rem; font-weight: 600; margin: 2rem 0 0.6rem; }
    p.subtitle { color: #555555; margin: 0 0 1.4rem; font-size: 0.95rem; }
    .table-scroll { overflow-x: auto; }
    table { border-collapse: collapse; font-size: 0.92rem; font-variant-numeric: tabular-nums; }
    p.note { color: #555555; font-size: 0.85rem; margin: 0.5rem 0 0; }
    th, td { padding: 0.32rem 0.6rem; text-align: right; white-space: nowrap; }
    th { white-space: normal; vertical-align: bottom; min-width: 4.5em; }
    th:first-child, td:first-child { text-align: left; }
    td:first-child { white-space: normal; overflow-wrap: anywhere; min-width: 9em; }
    thead th { font-weight: 600; border-top: 2px solid #222222; border-bottom: 1px solid #222222; }
    tbody tr:last-child td { border-bottom: 2px solid #222222; }
    td.best { font-weight: 700; }
    .figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 28px 36px; }
    figure { margin: 0; }
    figure svg { display: block; width: 100%; height: auto; }
    figure svg circle:hover { stroke: #000000; stroke-width: 1.5; }
    figcaption { font-size: 0.88rem; color: #333333; margin-top: 0.3rem; }
    figcaption b { font-weight: 600; }
    footer { margin-top: 2.5rem; color: #777777; font-size: 0.8rem; }
    """
}
