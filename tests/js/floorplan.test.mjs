// The floor plan's geometry (www/floorplan.js): for every stage size the page uses and
// every model's number of rooms, everything lies inside the stage, rooms do not overlap
// the waiting room, the desk or each other, every door opens on the corridor, and a
// patient's walk starts at the desk and ends at its seat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { branchRoute, exitRoute, floorPlan, pointAt, sample, seatArea, seatGrid, unpickedRoute, visibleRows } from '../../www/floorplan.js';

const inside = (box, w, h) => box.x >= -0.01 && box.y >= -0.01 && box.x + box.w <= w + 0.01 && box.y + box.h <= h + 0.01;
const overlap = (a, b) => a.x < b.x + b.w - 0.01 && b.x < a.x + a.w - 0.01 && a.y < b.y + b.h - 0.01 && b.y < a.y + a.h - 0.01;
const SIZES = [
  [318, 360], [333, 532], [351, 480], [374, 430], [560, 420], [600, 400], [726, 600], [874, 616], [1034, 680], [1800, 680],
];

test('every part inside the stage; rooms clear of each other and of the waiting room and desk', () => {
  for (const [width, height] of SIZES) {
    for (const rooms of [4, 7, 8]) {
      for (const exit of [false, true]) {
        const plan = floorPlan({ width, height, rooms, exit, chipWidths: Array(40).fill(36) });
        const label = `${width}x${height}, ${rooms} rooms, exit ${exit}`;
        assert.equal(plan.orientation, width >= 600 ? 'wide' : 'narrow', label);
        assert.equal(plan.rooms.length, rooms, label);
        for (const part of [plan.waiting, plan.desk, plan.corridor, ...plan.rooms, ...(plan.exit ? [plan.exit] : [])]) {
          assert.ok(inside(part, width, height), `${label}: ${JSON.stringify(part)}`);
        }
        assert.equal(Boolean(plan.exit), exit, label);
        plan.rooms.forEach((room, i) => {
          assert.ok(room.w > 40 && room.h > 40, `${label}: room ${i} is ${room.w}x${room.h}`);
          for (const other of [plan.waiting, plan.desk, ...(plan.exit ? [plan.exit] : []), ...plan.rooms.slice(i + 1)]) {
            assert.ok(!overlap(room, other), `${label}: room ${i} overlaps ${JSON.stringify(other)}`);
          }
          // The door is on the room's wall, facing the corridor.
          const { door } = room;
          const onWall = { left: door.x === room.x, right: Math.abs(door.x - room.x - room.w) < 0.01, top: door.y === room.y, bottom: Math.abs(door.y - room.y - room.h) < 0.01 };
          assert.ok(onWall[room.doorWall], `${label}: room ${i} door on its ${room.doorWall} wall`);
          const c = plan.corridor;
          const facing = plan.orientation === 'narrow' ? door.x >= c.x - 0.01 && door.x <= c.x + c.w + 0.01 : door.y >= c.y - 0.01 && door.y <= c.y + c.h + 0.01;
          assert.ok(facing, `${label}: room ${i} door opens on the corridor`);
        });
        assert.ok(visibleRows(plan.waiting.area) >= 2, `${label}: at least two rows of waiting patients`);
      }
    }
  }
});

test('waiting patients flow in rows inside the waiting room', () => {
  const plan = floorPlan({ width: 351, height: 480, rooms: 8, exit: false, chipWidths: [40, 80, 60, 500, 30] });
  const { area, chips } = plan.waiting;
  assert.equal(chips.length, 5);
  for (const chip of chips) assert.ok(chip.x >= area.x && chip.x + chip.w <= area.x + area.w + 0.01, JSON.stringify(chip));
  assert.ok(chips[3].row > chips[2].row, 'a chip that does not fit starts a new row');
  assert.ok(chips.every((c, i) => i === 0 || c.row >= chips[i - 1].row), 'in order');
});

test('seats: chips while they fit (cut short before dots), then dots, every patient placed', () => {
  const area = { x: 10, y: 20, w: 136, h: 41 };
  const few = seatGrid(area, 4, 40);
  assert.equal(few.mode, 'chip');
  assert.equal(few.w, 40);
  const more = seatGrid(area, 8, 40);
  assert.equal(more.mode, 'chip');
  assert.ok(more.w < 40 && more.w >= 26, `narrower chips (${more.w})`);
  for (const count of [30, 200, 5000]) {
    const grid = seatGrid(area, count, 40);
    assert.equal(grid.cells.length, count, `${count} patients placed`);
    assert.equal(grid.mode, 'dot');
    for (const cell of grid.cells) assert.ok(cell.x >= area.x && cell.x <= area.x + area.w && cell.y >= area.y && cell.y <= area.y + area.h + 0.01);
  }
  assert.deepEqual(seatGrid(area, 0, 40).cells, []);
});

test('walks: from the desk along a lane to the door, on to a seat or the exit', () => {
  for (const [width, height] of [[351, 480], [874, 616]]) {
    const plan = floorPlan({ width, height, rooms: 8, exit: true, chipWidths: [] });
    plan.rooms.forEach((room, i) => {
      const branch = branchRoute(plan, room, plan.lane(i, 8));
      const seat = seatGrid(seatArea(room), 1, 30).cells[0];
      const walk = sample([...branch, { L: seat }]);
      assert.deepEqual(pointAt(walk, 0), plan.spot);
      assert.deepEqual(pointAt(walk, 1), seat);
      const mid = pointAt(walk, 0.5);
      assert.ok(Number.isFinite(mid.x) && Number.isFinite(mid.y));
      const place = seatGrid(plan.exit.area, 1, 30).cells[0];
      const out = sample(exitRoute(plan, room, place));
      assert.deepEqual(pointAt(out, 0), room.door);
      assert.deepEqual(pointAt(out, 1), place);
      // Every point of the way out stays inside the stage.
      for (const p of out.points) assert.ok(p.x >= 0 && p.x <= width && p.y >= 0 && p.y <= height, JSON.stringify(p));
    });
    const nobody = sample(unpickedRoute(plan, plan.exit.entry));
    assert.deepEqual(pointAt(nobody, 0), plan.spot);
  }
});
