// A picture of a live output is the width of the page; on a phone that is too small to read, so a tap (or
// a click) opens the picture at its own size in a new tab, where it can be zoomed.
document.addEventListener("click", (event) => {
  const picture = event.target.closest(".cell_output img");
  if (picture) {
    window.open(picture.src, "_blank", "noopener");
  }
});
