// Finishes fedgate's signed-out page: once the hidden frames that sign the
// user out of the other applications have loaded (the window load event
// waits for them), or after five seconds at most, it continues to the
// application that started the sign-out: the form#logoutContinue
// (a SAML LogoutResponse by POST) or the a#return[data-auto] link. Served
// as a static file so the Content-Security-Policy can forbid inline script.
(function () {
  'use strict';
  var done = false;
  function proceed() {
    if (done) { return; }
    done = true;
    var form = document.querySelector('form#logoutContinue');
    if (form) {
      var button = document.getElementById('continue');
      if (button) { button.disabled = true; }
      form.submit();
      return;
    }
    var link = document.querySelector('a#return[data-auto]');
    if (link) { window.location.assign(link.href); }
  }
  window.setTimeout(proceed, 5000);
  if (document.readyState === 'complete') {
    proceed();
  } else {
    window.addEventListener('load', proceed);
  }
})();
