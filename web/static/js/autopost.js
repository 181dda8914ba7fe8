// Submits the token form fedgate renders after sign-in. Served as a static
// file so the Content-Security-Policy can forbid inline script.
(function () {
  'use strict';
  function submit() {
    var form = document.querySelector('form#autopost');
    if (form) {
      var button = document.getElementById('continue');
      if (button) { button.disabled = true; }
      form.submit();
    }
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', submit);
  } else {
    submit();
  }
})();
