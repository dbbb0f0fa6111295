// Moves the report's "state at a moment" through its frames and places a cursor on every
// chart. The page works without it: the controls stay hidden and the final state shows.
function initMoment() {
  "use strict";
  var data = JSON.parse(document.getElementById("moment-data").textContent);
  var frames = data.frames, axis = data.axis;
  var slider = document.getElementById("moment-slider");
  var byId = function (id) { return document.getElementById(id); };
  var cursors = document.querySelectorAll("#charts svg line.cursor");
  function show(i) {
    i = Math.max(0, Math.min(frames.length - 1, i));
    var f = frames[i];
    slider.value = String(i);
    byId("moment-time").textContent = f.time;
    byId("moment-status").textContent = f.status;
    byId("moment-split").textContent = f.split;
    byId("moment-tree").textContent = f.tree;
    var share = axis.end > 0 ? Math.min(f.t / axis.end, 1) : 0;
    var x = axis.left + share * (axis.right - axis.left);
    for (var k = 0; k < cursors.length; k++) {
      cursors[k].setAttribute("x1", x);
      cursors[k].setAttribute("x2", x);
      cursors[k].setAttribute("visibility", f.t <= axis.end ? "visible" : "hidden");
    }
  }
  slider.addEventListener("input", function () { show(Number(slider.value)); });
  byId("moment-prev").addEventListener("click", function () { show(Number(slider.value) - 1); });
  byId("moment-next").addEventListener("click", function () { show(Number(slider.value) + 1); });
  byId("moment-controls").hidden = false;
  show(frames.length - 1);
}
// The section comes before the charts whose cursors it moves: wait for the whole page.
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", initMoment);
} else {
  initMoment();
}
