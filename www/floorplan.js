// The clinic's floor plan: where the waiting room, the reception desk, the corridor, each
// doctor's room and the "sent on" exit go inside a stage of a given size, and the routes a
// patient walks between them. Pure geometry (no DOM, no model math), so it can be tested
// in node and redrawn on any resize. Two arrangements share one idea, a corridor with the
// rooms' doors on it:
//
//   wide (>= 600 px)                      narrow (< 600 px)
//   +---------+----+----+----+----+       +-------------------------+
//   | waiting | D1 | D2 | D3 | D4 |       | waiting room            |
//   |         +-..-+-..-+-..-+-..-+       +--------[desk]-----------+
//   | [desk] >>>>>> corridor >>>>>>       | D1       |  |       D2  |
//   |         +-..-+-..-+-..-+-..-+       | D3       |  |       D4  |
//   | exit    | D5 | D6 | D7 | D8 |       +--------[exit]-----------+
//   +---------+----+----+----+----+

export const WIDE_MIN = 600;
const PAD = 6;
const GAP = 6;
export const CHIP_H = 20;
const CHIP_GAP = 4;
const TITLE_H = 20;
/** Height of a room's header: name line, then counts line. */
export const ROOM_HEADER = 34;
const SEAT_H = 16;

const clamp = (value, low, high) => Math.min(high, Math.max(low, value));

/**
 * Lays out the stage.
 * @param {object} o
 * @param {number} o.width stage width in CSS px
 * @param {number} o.height stage height in CSS px
 * @param {number} o.rooms doctors' rooms, the general practitioner's included
 * @param {boolean} o.exit whether the trace can send patients on (drops, or nobody picked)
 * @param {number[]} o.chipWidths each waiting patient's chip width (text + padding)
 */
export function floorPlan({ width, height, rooms, exit, chipWidths = [] }) {
  const plan = width >= WIDE_MIN ? wide(width, height, rooms, exit) : narrow(width, height, rooms, exit);
  plan.width = width;
  plan.height = height;
  plan.waiting.chips = flowChips(plan.waiting.area, chipWidths);
  return plan;
}

function narrow(width, height, count, exit) {
  const corridorW = clamp(width * 0.11, 30, 44);
  const cx = width / 2;
  // At least two rows of patients (a title line and 2 x 24 px).
  const waitingH = clamp(height * 0.18, 80, 124);
  const deskH = 42;
  const exitH = exit ? clamp(height * 0.11, 42, 60) : 0;
  const roomsTop = waitingH + deskH;
  const roomsBottom = height - PAD - (exit ? exitH + GAP : 0);
  const rows = Math.max(1, Math.ceil(count / 2));
  const roomH = (roomsBottom - roomsTop - (rows - 1) * GAP) / rows;
  const roomW = (width - corridorW - 2 * PAD) / 2;
  const rooms = [];
  for (let i = 0; i < count; i++) {
    const left = i % 2 === 0;
    const x = left ? PAD : cx + corridorW / 2;
    const y = roomsTop + Math.floor(i / 2) * (roomH + GAP);
    const door = { x: left ? x + roomW : x, y: y + roomH / 2 };
    rooms.push({
      x,
      y,
      w: roomW,
      h: roomH,
      door,
      doorWall: left ? 'right' : 'left',
      // Where a turned-away patient waits: in the corridor, beside the door.
      queue: { x: cx + (left ? -1 : 1) * corridorW * 0.22, y: door.y + 12 },
    });
  }
  const desk = { x: cx - Math.min(90, width / 2 - PAD), y: waitingH + 2, w: Math.min(180, width - 2 * PAD), h: 18 };
  const spot = { x: cx, y: waitingH + deskH - 12 };
  const plan = {
    orientation: 'narrow',
    waiting: { x: PAD, y: PAD, w: width - 2 * PAD, h: waitingH - PAD - 2, area: null },
    desk,
    spot,
    corridor: { x: cx - corridorW / 2, y: spot.y, w: corridorW, h: roomsBottom - spot.y },
    rooms,
    exit: null,
    legend: null,
    lane: (index, lanes) => ({ axis: 'x', offset: laneOffset(index, lanes, corridorW) }),
  };
  plan.waiting.area = inner(plan.waiting, TITLE_H);
  if (exit) {
    const box = { x: PAD, y: height - PAD - exitH, w: width - 2 * PAD, h: exitH };
    plan.exit = { ...box, entry: { x: cx, y: box.y }, area: inner(box, 0, 72) };
  }
  return plan;
}

function wide(width, height, count, exit) {
  const leftW = clamp(width * 0.26, 180, 300);
  const corridorH = clamp(height * 0.1, 36, 52);
  const cy = height / 2;
  const topCount = Math.ceil(count / 2);
  const cols = Math.max(1, topCount);
  const roomsX = leftW + GAP;
  const roomW = (width - roomsX - PAD - (cols - 1) * GAP) / cols;
  const topH = cy - corridorH / 2 - PAD;
  const rooms = [];
  for (let i = 0; i < count; i++) {
    const top = i < topCount;
    const j = top ? i : i - topCount;
    const x = roomsX + j * (roomW + GAP);
    const y = top ? PAD : cy + corridorH / 2;
    const h = top ? topH : height - PAD - y;
    const door = { x: x + roomW / 2, y: top ? y + h : y };
    rooms.push({
      x,
      y,
      w: roomW,
      h,
      door,
      doorWall: top ? 'bottom' : 'top',
      // Beside the door, on the side away from the gate's label.
      queue: { x: door.x - 26, y: cy + (top ? -1 : 1) * corridorH * 0.22 },
    });
  }
  const spot = { x: leftW - 34, y: cy };
  const desk = { x: PAD, y: cy - 9, w: Math.max(60, leftW - 84), h: 18 };
  const waitingBox = { x: PAD, y: PAD, w: leftW - 2 * PAD, h: cy - corridorH / 2 - PAD - 2 };
  const lower = { x: PAD, y: cy + corridorH / 2 + 2, w: leftW - 2 * PAD, h: height - PAD - (cy + corridorH / 2 + 2) };
  const plan = {
    orientation: 'wide',
    waiting: { ...waitingBox, area: inner(waitingBox, TITLE_H) },
    desk,
    spot,
    corridor: { x: spot.x, y: cy - corridorH / 2, w: width - PAD - spot.x, h: corridorH },
    rooms,
    exit: null,
    // Without an exit, the lower left corner explains how to read the plan.
    legend: exit ? null : lower,
    lane: (index, lanes) => ({ axis: 'y', offset: laneOffset(index, lanes, corridorH) }),
  };
  if (exit) plan.exit = { ...lower, entry: { x: lower.x + lower.w * 0.6, y: lower.y }, area: inner(lower, TITLE_H) };
  return plan;
}

/** Lanes keep the branches to different doctors apart along the corridor. */
function laneOffset(index, lanes, corridor) {
  const gap = Math.min(5, (corridor - 12) / Math.max(1, lanes));
  return (index - (lanes - 1) / 2) * gap;
}

function inner(box, top, left = 0) {
  return { x: box.x + 6 + left, y: box.y + top + 2, w: Math.max(0, box.w - 12 - left), h: Math.max(0, box.h - top - 6) };
}

/** Chips flowed in rows inside `area`: [{x, y, w, row}], y of the row's top. */
export function flowChips(area, widths) {
  const chips = [];
  let x = 0;
  let row = 0;
  for (const raw of widths) {
    const w = Math.min(raw, area.w);
    if (x > 0 && x + w > area.w) {
      row += 1;
      x = 0;
    }
    chips.push({ x: area.x + x, y: area.y + row * (CHIP_H + CHIP_GAP), w, row });
    x += w + CHIP_GAP;
  }
  return chips;
}

/** How many chip rows fit in `area`. */
export function visibleRows(area) {
  return Math.max(1, Math.floor((area.h + CHIP_GAP) / (CHIP_H + CHIP_GAP)));
}

/**
 * Seats in a room (or places at the exit): a grid of `count` cells inside `area`. Chips
 * with text when `chipW`-wide cells fit, else dots as large as fit (every patient is
 * drawn, however many). Returns {mode: 'chip'|'dot', w, h, cells: [{x, y}]} (cell centres).
 */
export function seatGrid(area, count, chipW) {
  const cells = [];
  if (count === 0) return { mode: 'chip', w: chipW, h: SEAT_H, cells };
  if (area.w < 3 || area.h < 3) {
    // No room at all (a stage far too small): every patient still gets a place.
    const at = { x: area.x + Math.max(0, area.w) / 2, y: area.y + Math.max(0, area.h) / 2 };
    return { mode: 'dot', w: 2, h: 2, cells: Array.from({ length: count }, () => ({ ...at })) };
  }
  const place = (w, h, gap) => {
    const cols = Math.max(1, Math.floor((area.w + gap) / (w + gap)));
    const rows = Math.floor((area.h + gap) / (h + gap));
    if (cols * rows < count) return false;
    for (let i = 0; i < count; i++) {
      const c = i % cols;
      const r = Math.floor(i / cols);
      cells.push({ x: area.x + c * (w + gap) + w / 2, y: area.y + r * (h + gap) + h / 2 });
    }
    return true;
  };
  // Narrower chips (words cut short) before dots: a word is worth more than a dot.
  for (let w = chipW; w >= Math.min(chipW, 26); w -= 2) {
    if (place(w, SEAT_H, 2)) return { mode: 'chip', w, h: SEAT_H, cells };
  }
  for (let pitch = 12; pitch >= 3; pitch -= 1) {
    if (place(pitch - 1, pitch - 1, 1)) return { mode: 'dot', w: pitch - 1, h: pitch - 1, cells };
  }
  // Past what fits at 3 px: the remaining dots share the last cell (still drawn, still counted).
  place(2, 2, 1);
  const last = cells.at(-1) ?? { x: area.x, y: area.y };
  while (cells.length < count) cells.push({ ...last });
  return { mode: 'dot', w: 2, h: 2, cells: cells.slice(0, count) };
}

/** The seats area of a room: below its header (`header` px tall). */
export function seatArea(room, header = ROOM_HEADER) {
  return { x: room.x + 6, y: room.y + header + 4, w: room.w - 12, h: room.h - header - 10 };
}

// Routes: lists of segments ({M|L: p}, {Q: c, p}, {C: c1, c2, p}) that can be drawn (toD)
// and walked (sample, pointAt) with the same geometry.

/** The branch from the desk to a room's door, along the doctor's lane in the corridor. */
export function branchRoute(plan, room, lane) {
  const { spot } = plan;
  const { door } = room;
  if (lane.axis === 'x') {
    const x = spot.x + lane.offset;
    const turnY = door.y;
    const r = Math.min(14, Math.abs(door.x - x));
    return [
      { M: spot },
      { Q: { x, y: spot.y }, p: { x, y: spot.y + 10 } },
      { L: { x, y: turnY - r } },
      { Q: { x, y: turnY }, p: { x: x + Math.sign(door.x - x) * r, y: turnY } },
      { L: door },
    ];
  }
  const y = spot.y + lane.offset;
  const r = Math.min(14, Math.abs(door.y - y));
  return [
    { M: spot },
    { Q: { x: spot.x, y }, p: { x: spot.x + 10, y } },
    { L: { x: door.x - r, y } },
    { Q: { x: door.x, y }, p: { x: door.x, y: y + Math.sign(door.y - y) * r } },
    { L: door },
  ];
}

/** From a full room's door: wait in the corridor, then walk to the exit. */
export function exitRoute(plan, room, place) {
  const entry = plan.exit.entry;
  if (plan.orientation === 'narrow') {
    return [{ M: room.door }, { L: room.queue }, { L: { x: room.queue.x, y: entry.y - 6 } }, { L: { x: entry.x, y: entry.y + 4 } }, { L: place }];
  }
  // The lower side of the corridor, so that the way out passes below the desk.
  const laneY = plan.spot.y + plan.corridor.h * 0.36;
  return [{ M: room.door }, { L: room.queue }, { L: { x: room.queue.x, y: laneY } }, { L: { x: entry.x, y: laneY } }, { L: { x: entry.x, y: entry.y + 4 } }, { L: place }];
}

/** A patient nobody picked walks from the desk straight to the exit. */
export function unpickedRoute(plan, place) {
  const entry = plan.exit.entry;
  return [{ M: plan.spot }, { L: { x: plan.spot.x, y: Math.max(plan.spot.y, entry.y - 10) } }, { L: { x: entry.x, y: entry.y + 4 } }, { L: place }];
}

export function toD(route) {
  const f = (p) => `${p.x.toFixed(1)} ${p.y.toFixed(1)}`;
  return route
    .map((s) => (s.M ? `M${f(s.M)}` : s.L ? `L${f(s.L)}` : s.Q ? `Q${f(s.Q)} ${f(s.p)}` : `C${f(s.C)} ${f(s.c2)} ${f(s.p)}`))
    .join(' ');
}

/** Samples a route into a polyline with cumulative lengths, for walking along it. */
export function sample(route, perCurve = 12) {
  const points = [];
  let at = null;
  for (const s of route) {
    if (s.M) {
      at = s.M;
      points.push(at);
    } else if (s.L) {
      at = s.L;
      points.push(at);
    } else {
      const p0 = at;
      for (let i = 1; i <= perCurve; i++) {
        const t = i / perCurve;
        const u = 1 - t;
        points.push(
          s.Q
            ? { x: u * u * p0.x + 2 * u * t * s.Q.x + t * t * s.p.x, y: u * u * p0.y + 2 * u * t * s.Q.y + t * t * s.p.y }
            : {
                x: u ** 3 * p0.x + 3 * u * u * t * s.C.x + 3 * u * t * t * s.c2.x + t ** 3 * s.p.x,
                y: u ** 3 * p0.y + 3 * u * u * t * s.C.y + 3 * u * t * t * s.c2.y + t ** 3 * s.p.y,
              },
        );
      }
      at = s.p;
    }
  }
  const lengths = [0];
  for (let i = 1; i < points.length; i++) lengths.push(lengths[i - 1] + Math.hypot(points[i].x - points[i - 1].x, points[i].y - points[i - 1].y));
  return { points, lengths, total: lengths.at(-1) };
}

/** The point a fraction `f` (0..1) of the way along a sampled route. */
export function pointAt(walk, f) {
  const { points, lengths, total } = walk;
  if (total === 0 || f <= 0) return points[0];
  if (f >= 1) return points.at(-1);
  const target = f * total;
  let i = 1;
  while (i < lengths.length - 1 && lengths[i] < target) i++;
  const span = lengths[i] - lengths[i - 1] || 1;
  const t = (target - lengths[i - 1]) / span;
  return { x: points[i - 1].x + (points[i].x - points[i - 1].x) * t, y: points[i - 1].y + (points[i].y - points[i - 1].y) * t };
}
