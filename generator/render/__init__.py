"""Stage 2, render: citizen pages (Markdown for MkDocs), PDF slips and posters (WeasyPrint), QR codes."""
