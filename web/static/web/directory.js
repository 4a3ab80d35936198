// The service directory's small extras: "use where I am" and the map. The list works without them.
// A position is put in the address of the next request only (near=lat,lon); nothing stores it.
(function () {
  "use strict";
  var button = document.getElementById("use-position");
  if (button && "geolocation" in navigator) {
    button.hidden = false;
    var note = document.getElementById("position-note");
    if (note) note.hidden = false;
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        var url = new URL(window.location.href);
        url.searchParams.set("near", pos.coords.latitude.toFixed(4) + "," + pos.coords.longitude.toFixed(4));
        window.location.assign(url.toString());
      });
    });
  }
  var box = document.getElementById("services-map");
  var data = document.getElementById("services-markers");
  if (!box || !data || !window.L) return;
  var markers = JSON.parse(data.textContent);
  box.textContent = "";
  var map = window.L.map(box);
  window.L.tileLayer(box.dataset.tiles, {maxZoom: 19, attribution: box.dataset.attribution}).addTo(map);
  var points = [];
  markers.forEach(function (m) {
    var link = document.createElement("a");
    link.href = m.url;
    link.textContent = m.name;
    window.L.marker([m.lat, m.lon], {title: m.name, alt: m.name}).addTo(map).bindPopup(link);
    points.push([m.lat, m.lon]);
  });
  if (box.dataset.lat) {
    points.push([parseFloat(box.dataset.lat), parseFloat(box.dataset.lon)]);
  }
  function fit() {
    map.invalidateSize();
    if (points.length > 1) {
      map.fitBounds(points, {padding: [32, 32], maxZoom: 15});
    } else if (points.length === 1) {
      map.setView(points[0], 14);
    } else {
      map.setView([59.9127, 10.7461], 12);
    }
  }
  fit();
  // Once the page has its final layout (fonts, styles), fit again: the box may have grown.
  window.addEventListener("load", fit);
})();
