// The operator page: plain JavaScript, no build step. Reads the operator JSON under /ops/api with
// the page's cookie, and pauses or resumes nodes through PATCH /nodes/{id} (with the header that
// proves the call comes from this page, not from another site riding the cookie).
'use strict';

(function () {
  const query = new URLSearchParams(location.search);

  if (document.body.classList.contains('login')) {
    const returnUrl = query.get('returnUrl');
    if (returnUrl && returnUrl.startsWith('/') && !returnUrl.startsWith('//')) {
      document.getElementById('returnUrl').value = returnUrl;
    }
    document.getElementById('login-error').hidden = query.get('error') !== '1';
    return;
  }

  const REFRESH_MS = 5000;
  const state = { skuPrefix: '', offset: 0, limit: 25, total: 0, lookedUp: null };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'class') node.className = value;
      else if (name === 'text') node.textContent = value;
      else if (name === 'width') node.style.width = value; // CSSOM, which the page's CSP allows (a style attribute it would not)
      else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  async function api(path, options) {
    const response = await fetch(path, Object.assign({ credentials: 'same-origin', headers: { 'Accept': 'application/json' } }, options || {}));
    if (response.status === 401) {
      location.href = '/ops/login?returnUrl=' + encodeURIComponent(location.pathname);
      throw new Error('signed out');
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      throw new Error((body && (body.detail || body.title)) || ('HTTP ' + response.status));
    }
    return body;
  }

  function showMessage(text) {
    const message = document.getElementById('message');
    message.textContent = text || '';
    message.hidden = !text;
  }

  const money = (n) => (n === null || n === undefined) ? '' : Number(n).toFixed(2);
  const units = (lines) => (lines || []).map((l) => l.sku + ' x' + l.quantity).join(', ');

  async function setStatus(nodeId, status, button) {
    button.disabled = true;
    try {
      await api('/nodes/' + encodeURIComponent(nodeId), {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-Requested-By': 'ops-page' },
        body: JSON.stringify({ status: status }),
      });
      showMessage('');
      await loadNodes();
    } catch (e) {
      showMessage('Could not set ' + nodeId + ' to ' + status + ': ' + e.message);
    } finally {
      button.disabled = false;
    }
  }

  async function loadNodes() {
    const data = await api('/ops/api/nodes');
    const body = document.querySelector('#nodes tbody');
    body.replaceChildren(...data.nodes.map((n) => {
      const share = Math.min(1, n.capacityUsedShare || 0);
      const action = n.status === 'Paused'
        ? el('button', { 'data-node': n.nodeId, 'data-action': 'resume', onclick: (e) => setStatus(n.nodeId, 'Open', e.target) }, 'Resume')
        : n.status === 'Open'
          ? el('button', { 'data-node': n.nodeId, 'data-action': 'pause', onclick: (e) => setStatus(n.nodeId, 'Paused', e.target) }, 'Pause')
          : el('span', { class: 'muted' }, 'closed');
      const reasons = Object.entries(n.declineReasons || {}).map(([r, c]) => r + ' (' + c + ')').join('; ');
      return el('tr', { 'data-node': n.nodeId },
        el('td', {}, el('strong', {}, n.nodeId), el('div', { class: 'muted' }, n.name)),
        el('td', {}, n.kind),
        el('td', {}, n.city),
        el('td', { class: 'status-' + n.status, 'data-field': 'status' }, n.status),
        el('td', {}, el('span', { class: 'bar' }, el('span', { width: Math.round(share * 100) + '%' })),
          n.capacityUsed + ' / ' + n.dailyCapacity),
        el('td', { class: 'num' }, n.bidsAsked),
        el('td', { class: 'num' }, n.bidsWon),
        el('td', { class: 'num' }, n.rejectRate === null ? '–' : (n.rejectRate * 100).toFixed(0) + '%'),
        reliabilityCell(n.reliability),
        el('td', { class: 'breaker-' + (n.reliability ? n.reliability.breaker : 'Closed'), 'data-field': 'breaker' }, n.reliability ? n.reliability.breaker : '–'),
        el('td', { class: 'muted' }, reasons),
        el('td', {}, action));
    }));
  }

  // The node's record: score (chance a parcel goes through), with what lies behind it on hover.
  function reliabilityCell(r) {
    if (!r) return el('td', { class: 'num', 'data-field': 'score' }, '–');
    const title = 'parcels ' + r.parcels + ', rejected ' + r.rejected + ', short-picked ' + r.shortPicked + ', shipped ' + r.shipped +
      ' (late ' + r.late + '), bid timeouts ' + r.bidTimeouts + '; rejected in a row ' + r.rejectedInARow +
      '; expected reject cost per parcel ' + money(r.expectedRejectCost) + (r.pricedInBids ? '' : ' (not priced: reliability off)');
    return el('td', { class: 'num', 'data-field': 'score', title: title }, (r.score * 100).toFixed(0) + '%',
      r.expectedRejectCost > 0 ? el('div', { class: 'muted' }, '+' + money(r.expectedRejectCost) + '/parcel') : '');
  }

  function renderOrder(o) {
    const bids = el('table', { class: 'bids' },
      el('thead', {}, el('tr', {}, ['Node', 'Bid', 'Offered', 'Cost', 'Promise', 'Distance km', 'Capacity left'].map((h) => el('th', {}, h)))),
      el('tbody', {}, o.bids.map((b) => el('tr', { class: b.chosen ? 'chosen' : (b.accepts ? '' : 'declined'), 'data-node': b.nodeId },
        el('td', {}, b.nodeId, b.chosen ? ' ✓ chosen' : ''),
        el('td', {}, b.accepts ? (b.coversWholeOrder ? 'whole order' : 'part') : 'declined: ' + (b.declineReason || '')),
        el('td', {}, units(b.offered)),
        el('td', { class: 'num' }, money(b.cost)),
        el('td', {}, b.promisedBy || ''),
        el('td', { class: 'num' }, b.accepts ? b.distanceKm : ''),
        el('td', { class: 'num' }, b.accepts ? b.remainingCapacity : '')))));
    const shipments = (o.shipments || []).map((s) =>
      el('li', {}, (s.shipmentId ? s.shipmentId + ': ' : '') + s.nodeId + ' ships ' + units(s.lines) + ' for ' + money(s.cost) +
        ' by ' + s.promisedBy + ' (' + s.status + ')'));
    return el('article', { class: 'order', 'data-order': o.orderId },
      el('h3', {}, o.orderId + ' ', el('span', { class: 'muted' }, o.status + ' · customer ' + o.customerId + ' · ' + new Date(o.updatedAt).toLocaleString())),
      el('div', {}, 'Lines: ' + units(o.lines) + ' · cost ' + money(o.totalCost) + (o.promisedBy ? ' · promised by ' + o.promisedBy : '') +
        ' · ' + o.rounds + ' round' + (o.rounds === 1 ? '' : 's')),
      el('p', { class: 'decision' }, o.decision),
      el('ul', { class: 'reasons' }, o.reasons.map((r) => el('li', {}, r))),
      shipments.length ? el('ul', { class: 'shipments' }, shipments) : null,
      o.bids.length ? bids : el('p', { class: 'muted' }, 'No bids recorded.'));
  }

  async function loadOrders() {
    const data = await api('/ops/api/orders/recent?max=20');
    const message = document.getElementById('orders-message');
    message.hidden = data.available && data.orders.length > 0;
    message.textContent = data.available ? 'No orders yet.' : data.message;
    const list = data.orders.slice();
    if (state.lookedUp && !list.some((o) => o.orderId === state.lookedUp.orderId)) list.unshift(state.lookedUp);
    document.getElementById('orders').replaceChildren(...list.map(renderOrder));
  }

  async function loadInventory() {
    const params = new URLSearchParams({ offset: state.offset, limit: state.limit });
    if (state.skuPrefix) params.set('sku', state.skuPrefix);
    const data = await api('/ops/api/inventory?' + params);
    state.total = data.totalSkus;
    const nodes = data.nodes.map((n) => n.nodeId);
    document.querySelector('#inventory thead').replaceChildren(el('tr', {},
      el('th', {}, 'SKU'), el('th', { class: 'num' }, 'Available'), el('th', { class: 'num' }, 'Held'), el('th', { class: 'num' }, 'Committed'),
      nodes.map((id) => el('th', {}, id))));
    document.querySelector('#inventory tbody').replaceChildren(...data.skus.map((s) => {
      const byNode = Object.fromEntries(s.nodes.map((c) => [c.nodeId, c]));
      return el('tr', { 'data-sku': s.sku },
        el('td', {}, s.sku), el('td', { class: 'num' }, s.available), el('td', { class: 'num' }, s.held), el('td', { class: 'num' }, s.committed),
        nodes.map((id) => {
          const c = byNode[id];
          return el('td', { title: c ? 'on hand ' + c.onHand + ', safety ' + c.safetyStock : '' },
            c ? c.available + ' / ' + c.held + ' / ' + c.committed + ' (' + c.onHand + ')' : '–');
        }));
    }));
    const last = Math.min(state.offset + state.limit, state.total);
    document.getElementById('inventory-page').textContent =
      state.total === 0 ? 'no SKUs' : 'SKUs ' + (state.offset + 1) + '–' + last + ' of ' + state.total;
  }

  // Live and shadow side by side over the last 15 minutes, with orders the two planned differently.
  async function loadShadow() {
    const report = await api('/ops/api/shadow?windowMinutes=15');
    const table = document.getElementById('shadow');
    const examples = document.getElementById('shadow-examples');
    const policy = document.getElementById('shadow-policy');
    if (!report.policy) {
      policy.textContent = 'No shadow policy. Start one with PUT /ops/api/shadow (see the README).';
      table.hidden = true;
      examples.replaceChildren();
      return;
    }
    const p = report.policy;
    const rules = [p.goal && ('goal ' + p.goal), p.shipComplete !== null && p.shipComplete !== undefined && ('ship complete ' + p.shipComplete),
      p.maxShipments && ('at most ' + p.maxShipments + ' parcels'), p.candidateCount && (p.candidateCount + ' bids'),
      p.useOpportunityCost !== null && p.useOpportunityCost !== undefined && ('opportunity cost ' + (p.useOpportunityCost ? 'on' : 'off')),
      p.excludedNodes && p.excludedNodes.length && ('without ' + p.excludedNodes.join(', '))].filter(Boolean);
    policy.textContent = 'Shadow policy "' + p.name + '" (' + (rules.join('; ') || 'the live rules') + '): ' + report.orders + ' orders compared in the last 15 minutes, ' +
      report.plannedDifferently + ' planned differently; ' + report.fastPathSkipped + ' settled on one bid (not compared), ' + report.dropped + ' dropped.';
    const busiest = (side) => Object.entries(side.unitsByNode || {}).slice(0, 3).map(([node, n]) => node + ' ' + n).join(', ');
    const row = (name, side) => el('tr', {}, el('th', { text: name }), el('td', { text: money(side.costPerOrder) }), el('td', { text: Number(side.promisedDays).toFixed(2) }),
      el('td', { text: Number(side.parcelsPerOrder).toFixed(2) }), el('td', { text: (100 * side.splitRate).toFixed(1) + '%' }), el('td', { text: side.unitsUnallocated }),
      el('td', { text: busiest(side) }));
    table.tBodies[0].replaceChildren(row('Live', report.live), row('Shadow', report.shadow));
    table.hidden = false;
    examples.replaceChildren(...(report.examples || []).map((x) => el('p', { class: 'muted' },
      el('strong', { text: x.orderId }), ': live ' + x.live + ' (' + money(x.liveCost) + '), shadow ' + x.shadow + ' (' + money(x.shadowCost) + ')')));
  }

  async function refresh() {
    try {
      await Promise.all([loadNodes(), loadOrders(), loadInventory(), loadShadow()]);
      document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
      document.body.dataset.loaded = 'true';
    } catch (e) {
      showMessage('Refresh failed: ' + e.message);
    }
  }

  document.getElementById('inventory-filter').addEventListener('submit', (e) => {
    e.preventDefault();
    state.skuPrefix = document.getElementById('sku-prefix').value.trim();
    state.offset = 0;
    loadInventory().catch((err) => showMessage(err.message));
  });
  document.getElementById('inventory-prev').addEventListener('click', () => {
    state.offset = Math.max(0, state.offset - state.limit);
    loadInventory().catch((err) => showMessage(err.message));
  });
  document.getElementById('inventory-next').addEventListener('click', () => {
    if (state.offset + state.limit < state.total) state.offset += state.limit;
    loadInventory().catch((err) => showMessage(err.message));
  });
  document.getElementById('order-lookup').addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = document.getElementById('order-id').value.trim();
    if (!id) return;
    try {
      state.lookedUp = await api('/ops/api/orders/' + encodeURIComponent(id));
      showMessage('');
      await loadOrders();
    } catch (err) {
      showMessage('Order ' + id + ': ' + err.message);
    }
  });

  refresh();
  setInterval(refresh, REFRESH_MS);
})();
