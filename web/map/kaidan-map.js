// 开单's team map: a supervisor's day of visits drawn on Leaflet. scripts/build-web puts this
// file after Leaflet's own (from the npm registry, at build time) in one hashed file that only the
// team day page loads; nothing here is part of the first screen, nothing comes from a CDN.
//
// window.kaidanMap.draw(element, options) → a handle for remove(handle), where options is
//   { tiles: URL template or null, subdomains: 'abc', attribution: plain text or null,
//     visits: [{ label, customer: [lat, lng] | null, check_in: [lat, lng] | null, flagged }] }
// with positions already in the tiles' system (the app shifts them to GCJ-02 when the tiles
// are China's). Without tiles the marks are drawn on a plain background, still pannable.
(function () {
  'use strict';
  // Labels and the attribution are plain text from the server; Leaflet takes HTML.
  function html(s) {
    const d = document.createElement('div');
    d.textContent = s || '';
    return d.innerHTML;
  }
  const COLOURS = { customer: '#0b63ce', check_in: '#e8890c', flagged: '#d93025', link: '#6b7280' };

  function draw(el, o) {
    const map = L.map(el, { zoomControl: true, attributionControl: !!o.tiles });
    try {
      fill(map, el, o);
    } catch (e) {
      // Nothing left behind (Leaflet keeps a resize listener per map).
      map.remove();
      throw e;
    }
    return map;
  }

  function fill(map, el, o) {
    if (o.tiles) {
      map.attributionControl.setPrefix(false);
      L.tileLayer(o.tiles, {
        subdomains: o.subdomains || 'abc',
        attribution: html(o.attribution),
        maxZoom: 18,
      }).addTo(map);
    }
    const points = [];
    for (const v of o.visits || []) {
      if (v.customer && v.check_in) {
        L.polyline([v.customer, v.check_in], {
          color: COLOURS.link, weight: 2, dashArray: '4 4', interactive: false,
          className: 'map-link',
        }).addTo(map);
      }
      if (v.customer) {
        L.circleMarker(v.customer, {
          radius: 8, color: '#fff', weight: 2, fillColor: COLOURS.customer, fillOpacity: 0.9,
          className: 'map-customer',
        }).bindTooltip(html(v.label)).addTo(map);
        points.push(v.customer);
      }
      if (v.check_in) {
        L.circleMarker(v.check_in, {
          radius: 6, color: '#fff', weight: 2,
          fillColor: v.flagged ? COLOURS.flagged : COLOURS.check_in, fillOpacity: 0.9,
          className: v.flagged ? 'map-check-in flagged' : 'map-check-in',
        }).bindTooltip(html(v.label)).addTo(map);
        points.push(v.check_in);
      }
    }
    // A frame not laid out yet has no size to fit into (Leaflet would compute a NaN zoom).
    const fit = () => {
      if (!el.clientWidth || !el.clientHeight) return;
      if (points.length) {
        map.fitBounds(points, { padding: [24, 24], maxZoom: 16 });
      } else {
        map.setView([35, 105], 4);
      }
    };
    if (el.clientWidth && el.clientHeight) {
      fit();
    } else {
      // Leaflet needs a view before it draws anything; the real one comes below.
      map.setView([35, 105], 4);
    }
    // The app may draw into a frame it has not laid out yet: measure again once it has.
    map._kaidanFrame = requestAnimationFrame(() => {
      map._kaidanFrame = null;
      map.invalidateSize();
      fit();
    });
  }

  window.kaidanMap = {
    draw: draw,
    remove: function (map) {
      if (map._kaidanFrame) cancelAnimationFrame(map._kaidanFrame);
      map.remove();
    },
  };
})();
