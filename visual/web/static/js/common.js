// Shared by every page: settings from the server, the REST client, small DOM helpers.
"use strict";

const MAILLAGE = JSON.parse(document.getElementById("maillage-settings").textContent);

class ApiError extends Error {
  constructor(status, title, detail) {
    super(detail || title || `erreur ${status}`);
    this.status = status;
    this.title = title;
  }
}

// GET a JSON document of the REST API; errors (application/problem+json) become ApiError.
async function api(path, params) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === "") continue;
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, v);
  }
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : null;
  if (!response.ok) {
    const detail = body && (body.detail || body.title);
    throw new ApiError(response.status, body && body.title, typeof detail === "string" ? detail : null);
  }
  return body;
}

// el("a", {href: "/x", class: "y"}, "text", child...) → an element; text is never parsed as HTML.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function kindInfo(kind) {
  return MAILLAGE.kinds[kind] || { label: kind || "?", colour: "#888888" };
}

function kindBadge(kind, label) {
  const info = kindInfo(kind);
  return el("span", { class: "badge kind", style: `background:${info.colour}` }, label || info.label);
}

function syntheticBadge(item) {
  return item && item.synthetic
    ? el("span", { class: "badge synthetic", title: "donnée générée, pas un acteur réel" }, "synthétique")
    : null;
}

// The page of a node: organisations, clubs and territories each have theirs.
function nodeHref(node) {
  const id = typeof node === "string" ? node : node.id;
  const kind = typeof node === "string" ? null : node.kind;
  const famille = typeof node === "string" ? null : node.famille;
  if (kind === "Club") return `/club/${encodeURIComponent(id)}`;
  if (famille === "place" || /^(commune|departement|epci|ze|region):/.test(id)) {
    return `/territoire/${encodeURIComponent(id)}`;
  }
  return `/acteur/${encodeURIComponent(id)}`;
}

function nodeLink(node) {
  return el("a", { href: nodeHref(node) }, node.name || node.id);
}

function setStatus(id, text) {
  const node = document.getElementById(id);
  if (node) node.textContent = text;
}

function showError(id, error) {
  const node = document.getElementById(id);
  if (!node) return;
  node.hidden = false;
  node.textContent = error instanceof ApiError ? error.message : `Erreur : ${error.message || error}`;
}

const numberFormat = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 2 });
function formatNumber(value) {
  return typeof value === "number" ? numberFormat.format(value) : value;
}

function plural(n, one, many) {
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}
