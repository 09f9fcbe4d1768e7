/*
 * Meine Versorgung — small enhancements; every page works without them.
 *
 * 1. Inactivity warning. The server ends a session after `data-idle` seconds
 *    without a request. `data-warning` seconds before that, the dialog
 *    #sitzung-warnung ("Ihre Sitzung läuft bald ab") is shown. "Ich bin noch
 *    hier" — or, while the dialog is shown, any click, key press or mouse
 *    movement (as the dialog's text promises; movements are throttled) —
 *    sends the keep-alive form in the background. When the time is up the
 *    page is loaded again; the
 *    server then answers with the login page and "Inaktivität festgestellt".
 *    Tabs of the same portal share their last activity through localStorage,
 *    so working in one tab does not log out another.
 * 2. Character counter: `<textarea data-counter="ID" maxlength="N">` (or an
 *    `<input>`) keeps the element #ID at "count / N". It counts as the
 *    server does (domain::message::text_len): characters, a line break as
 *    one whether the browser sends it as LF or CRLF.
 * 3. `select[data-narrow-by="ID"]` (Thema list per Bereich): only the option
 *    group of the Bereich chosen in #ID stays; without script the
 *    server-rendered option groups work as they are.
 * 4. A clerk's recipient (`fieldset[data-recipient]`): choosing a Mitglied
 *    fills "Gruppenpostfach" at once with that Mitglied's enabled mailboxes
 *    (`data-postfaecher` of the chosen option, labels from the template
 *    #gruppenpostfaecher-alle) and removes the "Mitglied wählen" button the
 *    form needs without script.
 *
 * Plain ES2017, no libraries; loaded with `defer` (CSP script-src 'self').
 */
(function () {
  'use strict';

  // ------------------------------------------------------ character counter

  function initCounters() {
    const areas = document.querySelectorAll('textarea[data-counter], input[data-counter]');
    Array.prototype.forEach.call(areas, function (area) {
      const out = document.getElementById(area.getAttribute('data-counter'));
      if (!out) {
        return;
      }
      const max = parseInt(area.getAttribute('maxlength'), 10);
      const update = function () {
        // Code points, not UTF-16 units; CRLF as one (as the server counts).
        const count = Array.from(area.value.replace(/\r\n/g, '\n')).length;
        out.textContent = max > 0 ? count + ' / ' + max : String(count);
      };
      area.addEventListener('input', update);
      update();
    });
  }

  // ------------------------------------------- Thema narrowed by Bereich

  /** `<select data-narrow-by="ID">` with one optgroup per Bereich
   * (`data-bereich`): only the chosen Bereich's group stays enabled. */
  function initNarrowing() {
    const selects = document.querySelectorAll('select[data-narrow-by]');
    Array.prototype.forEach.call(selects, function (sel) {
      const by = document.getElementById(sel.getAttribute('data-narrow-by'));
      if (!by) {
        return;
      }
      const update = function () {
        const groups = sel.querySelectorAll('optgroup[data-bereich]');
        Array.prototype.forEach.call(groups, function (g) {
          const on = !by.value || g.getAttribute('data-bereich') === by.value;
          g.hidden = !on;
          g.disabled = !on;
        });
        const chosen = sel.options[sel.selectedIndex];
        if (chosen && chosen.parentNode && chosen.parentNode.disabled) {
          sel.value = '';
        }
      };
      by.addEventListener('change', update);
      update();
    });
  }

  // ------------------------------------ group mailboxes of the Mitglied

  function initRecipient() {
    const box = document.querySelector('fieldset[data-recipient]');
    if (!box) {
      return;
    }
    const org = document.getElementById('f-mitglied');
    const group = document.getElementById('f-gruppenpostfach');
    const all = document.getElementById('gruppenpostfaecher-alle');
    if (!org || !group || !all || !all.content) {
      return;
    }
    // Removed, not only hidden: as the form's first submit button it would
    // otherwise take the Enter key in a text field (implicit submission).
    const button = box.querySelector('.choose-org');
    if (button) {
      button.parentNode.removeChild(button);
    }
    const update = function () {
      const chosen = org.options[org.selectedIndex];
      const keys = ((chosen && chosen.getAttribute('data-postfaecher')) || '')
        .split(' ')
        .filter(function (k) { return k !== ''; });
      const previous = group.value;
      while (group.options.length > 1) {
        group.remove(1);
      }
      Array.prototype.forEach.call(all.content.querySelectorAll('option'), function (o) {
        if (keys.indexOf(o.value) >= 0) {
          group.appendChild(o.cloneNode(true));
        }
      });
      group.value = keys.indexOf(previous) >= 0 ? previous : '';
    };
    org.addEventListener('change', update);
    update();
  }

  // ---------------------------------------------------- inactivity warning

  /** Key under which tabs share the time (ms) of their last server request. */
  const SHARED_KEY = 'meine-versorgung.last-activity';
  /** Seconds after the server-side end before the page is loaded again. */
  const GRACE_SECONDS = 1;
  /** Least time (ms) between two keep-alive requests caused by activity. */
  const THROTTLE_MS = 2000;
  /** Least time (ms) between two mouse movements that are looked at. */
  const MOVE_THROTTLE_MS = 250;
  /** How often (ms) the deadlines are checked. */
  const TICK_MS = 1000;

  function readShared() {
    try {
      const value = parseInt(window.localStorage.getItem(SHARED_KEY), 10);
      return value > 0 ? value : 0;
    } catch (e) {
      return 0;
    }
  }

  function writeShared(time) {
    try {
      if (time > readShared()) {
        window.localStorage.setItem(SHARED_KEY, String(time));
      }
    } catch (e) {
      // Storage unavailable (privacy settings): each tab keeps its own time.
    }
  }

  /** True when a response came from the login page (the session is gone). */
  function landedOnLogin(response) {
    if (!response.redirected || !response.url) {
      return false;
    }
    try {
      const path = new URL(response.url).pathname;
      return path === '/login' || path.indexOf('/login/') === 0;
    } catch (e) {
      return true;
    }
  }

  function initSession() {
    const body = document.body;
    const idle = parseInt(body.getAttribute('data-idle'), 10);
    if (!(idle > 0)) {
      return;
    }
    let warning = parseInt(body.getAttribute('data-warning'), 10);
    if (!(warning >= 0) || warning >= idle) {
      warning = Math.floor(idle / 2);
    }

    const dialog = document.getElementById('sitzung-warnung');
    const button = document.getElementById('sitzung-verlaengern');
    const form = button ? button.form : null;

    // The page itself was a request: the server's last activity lies at or
    // before this moment, so deadlines counted from here are never early.
    let lastActivity = Date.now();
    writeShared(lastActivity);

    let shown = false;
    let finished = false;
    let inFlight = false;
    let lastAttempt = 0;
    let previousFocus = null;
    let timer = 0;

    function showDialog() {
      if (shown || !dialog) {
        return;
      }
      shown = true;
      previousFocus = document.activeElement;
      dialog.hidden = false;
      if (button) {
        button.focus();
      }
    }

    function hideDialog() {
      if (!shown || !dialog) {
        return;
      }
      shown = false;
      const hadFocus = dialog.contains(document.activeElement);
      dialog.hidden = true;
      if (
        hadFocus &&
        previousFocus &&
        previousFocus !== document.body &&
        document.contains(previousFocus) &&
        typeof previousFocus.focus === 'function'
      ) {
        previousFocus.focus();
      }
      previousFocus = null;
    }

    /** Loads the page again (GET, no form re-submission). */
    function finish(url) {
      if (finished) {
        return;
      }
      finished = true;
      window.clearInterval(timer);
      window.location.replace(url || window.location.href.split('#')[0]);
    }

    function tick() {
      if (finished) {
        return;
      }
      const last = Math.max(lastActivity, readShared());
      const elapsed = (Date.now() - last) / 1000;
      if (elapsed >= idle + GRACE_SECONDS) {
        finish();
      } else if (elapsed >= idle - warning) {
        showDialog();
      } else if (shown && !inFlight) {
        // Another tab was active in the meantime.
        hideDialog();
      }
    }

    async function keepAlive(force) {
      if (!form || inFlight || finished) {
        return;
      }
      const now = Date.now();
      if (!force && now - lastAttempt < THROTTLE_MS) {
        return;
      }
      lastAttempt = now;
      inFlight = true;
      if (button) {
        button.setAttribute('aria-busy', 'true');
      }
      try {
        const response = await fetch(form.action, {
          method: 'POST',
          body: new URLSearchParams(new FormData(form)),
          credentials: 'same-origin',
          headers: {
            'Content-Type': 'application/x-www-form-urlencoded',
            // Asks for 204 instead of a redirect back to the page.
            'X-Requested-With': 'fetch',
          },
        });
        if (response.ok && !landedOnLogin(response)) {
          lastActivity = Date.now();
          writeShared(lastActivity);
          hideDialog();
        } else if (landedOnLogin(response)) {
          // The session had already ended; show the server's notice.
          finish(response.url);
        } else {
          finish();
        }
      } catch (e) {
        // Network failure: keep the dialog; a later action may retry, and
        // the deadline still applies.
      } finally {
        inFlight = false;
        if (button) {
          button.removeAttribute('aria-busy');
        }
      }
    }

    if (form) {
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        keepAlive(true);
      });
    }

    // While the warning is shown, an action anywhere keeps the session.
    function onAction(event) {
      if (!shown || finished) {
        return;
      }
      if (event.type === 'click' && button && event.target === button) {
        return; // the submit handler sends it
      }
      keepAlive(false);
    }
    document.addEventListener('click', onAction, true);
    document.addEventListener('keydown', onAction, true);
    // Mouse movement counts too; the events come in bursts, so only one
    // every MOVE_THROTTLE_MS is looked at (keepAlive throttles again).
    let lastMove = 0;
    document.addEventListener(
      'mousemove',
      function (event) {
        const now = Date.now();
        if (now - lastMove < MOVE_THROTTLE_MS) {
          return;
        }
        lastMove = now;
        onAction(event);
      },
      { capture: true, passive: true }
    );

    // Timers are throttled in background tabs: check at once on return.
    document.addEventListener('visibilitychange', function () {
      if (!document.hidden) {
        tick();
      }
    });
    window.addEventListener('focus', tick);
    window.addEventListener('pageshow', function (event) {
      if (event.persisted) {
        tick();
      }
    });

    timer = window.setInterval(tick, TICK_MS);
    tick();
  }

  initCounters();
  initNarrowing();
  initRecipient();
  initSession();
})();
