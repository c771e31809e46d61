// A seat of a drillsim team drill: draws the drill's state as the server sends it and sends the seat's
// decisions back. Every text is drawn as text (textContent), never as HTML.
"use strict";

const token = location.pathname.split("/").pop();
let socket = null;
let state = null;
let drawn = {decisions: null, tools: null};
let retry = 500;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "text") node.textContent = value;
    else if (key === "onclick") node.addEventListener("click", value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value);
  }
  for (const child of children) if (child) node.appendChild(child);
  return node;
}

function lines(id, items) {
  const list = document.getElementById(id);
  list.replaceChildren(...items.map((text) => el("li", {text})));
}

function say(text, error) {
  const message = document.getElementById("message");
  message.textContent = text || "";
  message.classList.toggle("error", Boolean(error));
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  else say("Not connected: reconnecting…", true);
}

function button(label, message, extra) {
  return el("button", {type: "button", text: label, onclick: () => send(message), ...(extra || {})});
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws/${token}`);
  socket.addEventListener("open", () => {
    retry = 500;
    document.getElementById("connection").textContent = "connected";
    document.body.classList.remove("offline");
  });
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "state") draw(message);
    else if (message.type === "error") say(message.text, true);
    else if (message.type === "said") say(message.text, false);
  });
  socket.addEventListener("close", (event) => {
    document.body.classList.add("offline");
    if (event.code === 4403) {
      document.getElementById("connection").textContent = "this link is not a seat of the drill";
      return;
    }
    if (event.code === 4429) {
      document.getElementById("connection").textContent = "too many pages are open for this seat: close one";
      return;
    }
    document.getElementById("connection").textContent = "disconnected: rejoining…";
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 5000);
  });
}

function draw(next) {
  state = next;
  document.title = `${state.seat_name}: drillsim team drill`;
  document.getElementById("seat").textContent = `You are the ${state.seat_name}`;
  document.getElementById("does").textContent = `The ${state.seat_name} ${state.does}.`;
  document.getElementById("header").textContent = state.header;
  for (const name of ["alerts", "incidents", "stakeholders", "people", "pages", "log"]) {
    lines(name, state.panels[name]);
  }
  lines("feed", state.feed.slice().reverse());
  const team = document.getElementById("team");
  team.replaceChildren(...state.team.map((s) => el("li", {
    text: `${s.name}: ${s.person ? "a person" : "the scenario's policy"}${s.seat === state.seat ? " (you)" : ""}`,
  })));
  const behind = document.getElementById("behind");
  behind.classList.toggle("hidden", !state.behind);
  if (state.behind) {
    const b = state.behind;
    lines("behind-lines", [...b.modes.map((m) => `failure: ${m}`),
      b.policy ? `the policy now: ${b.policy}` : "no decision is waiting"]);
  }
  const key = JSON.stringify(state.decisions);
  if (key !== drawn.decisions) {
    drawn.decisions = key;
    drawDecisions();
  }
  const tools = JSON.stringify([state.seat, state.incidents, state.controls, state.paused, state.speed,
    state.ending, state.behind && state.behind.modes_available, state.behind && state.behind.secondary]);
  if (tools !== drawn.tools) {
    drawn.tools = tools;
    drawTools();
  }
  if (state.problem) say(state.problem, true);
  const debrief = document.getElementById("debrief");
  if (state.ending) {
    debrief.classList.remove("hidden");
    document.getElementById("drill").classList.add("ended");
  }
  if (state.debrief) {
    const frame = document.getElementById("debrief-frame");
    if (frame.getAttribute("src") !== state.debrief) frame.setAttribute("src", state.debrief);
    document.getElementById("debrief-wait").textContent = "The drill has ended. The team's debrief:";
    debrief.classList.add("ready");
  }
}

function drawDecisions() {
  const box = document.getElementById("decisions");
  box.replaceChildren(...state.decisions.map(decision));
  if (!state.decisions.length && !state.ending) {
    box.appendChild(el("p", {class: "idle", text: "Nothing waits for you right now."}));
  }
}

function decision(d) {
  const form = el("div", {class: "decision", "data-kind": d.kind, "data-incident": String(d.incident)},
    el("h3", {text: d.title}));
  if (d.kind === "roles") {
    const selects = d.roles.map((r) => {
      const select = el("select", {"data-role": r.role, "aria-label": r.role},
        el("option", {value: "", text: "nobody: the responder keeps it"}),
        ...r.names.map((name) => el("option", {value: name, text: name})));
      form.appendChild(el("label", {text: `${r.role}: `}, select));
      return select;
    });
    form.appendChild(button("Hand out the roles", null, {
      onclick: () => send({do: "answer", kind: "roles", incident: d.incident,
        value: Object.fromEntries(selects.map((s) => [s.dataset.role, s.value]))}),
    }));
    return form;
  }
  if (d.kind === "update") {
    const impact = el("input", {type: "text", maxlength: "200", "aria-label": "impact",
      placeholder: "Impact: who is affected, and how"});
    const done = el("input", {type: "text", maxlength: "200", "aria-label": "what is being done",
      placeholder: "What is being done"});
    const next = el("input", {type: "number", min: "1", max: "240", value: "30", "aria-label": "next update in minutes"});
    form.append(el("label", {text: "Impact "}, impact), el("label", {text: "Being done "}, done),
      el("label", {text: "Next update in (minutes) "}, next));
    form.appendChild(button("Send the update", null, {
      onclick: () => send({do: "update", incident: d.incident, impact: impact.value, done: done.value,
        next: next.value ? Number(next.value) : null}),
    }));
    return form;
  }
  const verb = d.kind === "declare" ? "declare" : "answer";
  for (const option of d.options) {
    const message = verb === "declare" ? {do: "declare", incident: d.incident, severity: option.value}
      : {do: "answer", kind: d.kind, incident: d.incident, value: option.value};
    form.appendChild(button(option.label, message, {"data-value": String(option.value)}));
  }
  if (d.alone) form.appendChild(button("Work alone first instead", {do: "alone", incident: d.incident}));
  return form;
}

function drawTools() {
  const box = document.getElementById("tools");
  const parts = [];
  const incidents = state.incidents;
  if (state.ending) {
    box.replaceChildren();
    return;
  }
  if (state.controls) {
    const speed = el("select", {"aria-label": "speed"},
      ...state.speeds.map((s) => el("option", {value: String(s), text: `×${s}`, selected: s === state.speed})));
    speed.addEventListener("change", () => send({do: "speed", value: Number(speed.value)}));
    parts.push(el("div", {class: "tool controls"}, el("h3", {text: "The clock"}),
      state.paused ? button("Start / resume the clock", {do: "resume"}) : button("Pause", {do: "pause"}),
      el("label", {text: " speed "}, speed),
      button("End the drill and debrief", {do: "end"}, {class: "end"})));
  }
  if (state.seat === "ic") {
    parts.push(el("div", {class: "tool"}, el("h3", {text: "The page"}),
      ...incidents.flatMap((i) => [button(`Escalate ${i.label}`, {do: "escalate", incident: i.number}),
        button(`Mobilise every level for ${i.label}`, {do: "mobilise", incident: i.number})])));
  }
  if (state.seat === "scribe") {
    const which = incidentSelect(incidents);
    const text = el("textarea", {maxlength: "500", rows: "3", "aria-label": "note",
      placeholder: "What happened, what was decided and why"});
    parts.push(el("div", {class: "tool"}, el("h3", {text: "Annotate the timeline"}), which, text,
      button("Add the note", null, {onclick: () => {
        send({do: "note", incident: Number(which.value), text: text.value});
        text.value = "";
      }})));
  }
  if (state.seat === "gm") {
    const b = state.behind;
    const which = incidentSelect(incidents);
    const mode = el("select", {"aria-label": "failure mode"}, el("option", {value: "", text: "another mode"}),
      ...b.modes_available.map((m) => el("option", {value: m, text: m})));
    const away = el("select", {"aria-label": "who is away"},
      ...b.people.map((p) => el("option", {value: p, text: p, selected: p === b.secondary})));
    parts.push(el("div", {class: "tool"}, el("h3", {text: "Injects"}),
      el("div", {}, away, button("is on a plane", null, {onclick: () => send({do: "inject", what: "away", who: away.value})})),
      el("div", {}, mode, button("A second failure starts", null, {onclick: () => send({do: "inject", what: "failure", mode: mode.value || null})})),
      el("div", {}, which, button("A customer escalates", null, {onclick: () => send({do: "inject", what: "customer", incident: Number(which.value)})}),
        button("Reveal a hint", null, {onclick: () => send({do: "hint", incident: Number(which.value)})}))));
  }
  box.replaceChildren(...parts);
}

function incidentSelect(incidents) {
  return el("select", {"aria-label": "incident"},
    ...incidents.map((i) => el("option", {value: String(i.number), text: i.label})));
}

connect();
