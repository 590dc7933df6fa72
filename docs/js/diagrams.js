// Renders every ```mermaid block of the page (a div.diagram holding the
// diagram's source) into an SVG, with the local copy of mermaid.
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
mermaid.init(undefined, document.querySelectorAll("div.diagram"));
