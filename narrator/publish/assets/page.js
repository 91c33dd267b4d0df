/* Listening page: follows the audio through the transcript and chapters. No dependencies. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("narration-data").textContent);
  var audio = document.getElementById("player");
  var transcript = document.getElementById("transcript");
  var cueEls = Array.prototype.slice.call(transcript.querySelectorAll(".cue"));
  var chapterEls = Array.prototype.slice.call(document.querySelectorAll(".chapters button"));
  var cues = data.cues;
  var chapters = data.chapters;
  /* Word times per sentence ([start, end] ms), where the engine reported them. */
  var words = (data.words || []).map(function (list) {
    return list.map(function (w) { return { start: w[0], end: w[1] }; });
  });
  var wordEls = cueEls.map(function (el) {
    return Array.prototype.slice.call(el.querySelectorAll(".w"));
  });
  var activeWord = null;
  var frame = 0;
  var reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  var activeCue = -1;
  var activeChapter = -1;
  var EPSILON_MS = 1;

  /* Index of the last item that has started at ``ms``, or -1 before the first. */
  function lastStarted(items, ms) {
    var lo = 0;
    var hi = items.length - 1;
    var found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (items[mid].start <= ms + EPSILON_MS) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  function seekTo(ms) {
    audio.currentTime = ms / 1000;
    sync();
  }

  function mark(els, oldIndex, newIndex) {
    if (oldIndex >= 0 && els[oldIndex]) {
      els[oldIndex].removeAttribute("aria-current");
    }
    if (newIndex >= 0 && els[newIndex]) {
      els[newIndex].setAttribute("aria-current", "true");
    }
  }

  function setTabStop(index) {
    cueEls.forEach(function (el, i) {
      el.tabIndex = i === index ? 0 : -1;
    });
  }

  function outOfView(el) {
    var rect = el.getBoundingClientRect();
    var header = document.querySelector(".player");
    var top = header ? header.getBoundingClientRect().bottom : 0;
    return rect.top < top || rect.bottom > window.innerHeight;
  }

  function follow(el) {
    if (reduceMotion.matches || audio.paused || !outOfView(el)) {
      return;
    }
    el.scrollIntoView({ block: "center", behavior: "smooth" });
  }

  /* Index of the first cue of each chapter (a chapter opens with a pause before its first cue). */
  var chapterFirstCue = chapters.map(function (chapter) {
    var i = lastStarted(cues, chapter.start - 2 * EPSILON_MS) + 1;
    return i < cues.length ? i : -1;
  });

  /* The sentence being heard: the last one started, or in the pause that opens a chapter, its first. */
  function currentCue(ms, chapter) {
    var cue = lastStarted(cues, ms);
    var first = chapter >= 0 ? chapterFirstCue[chapter] : -1;
    return first > cue ? first : cue;
  }

  /* The word being heard: the last one of the sentence started and not yet over, if timed. */
  function markWord(cue, ms) {
    var el = null;
    var list = cue >= 0 ? words[cue] || [] : [];
    if (list.length && list.length === wordEls[cue].length) {
      var i = lastStarted(list, ms);
      if (i >= 0 && ms <= list[i].end + EPSILON_MS) {
        el = wordEls[cue][i];
      }
    }
    if (el !== activeWord) {
      if (activeWord) {
        activeWord.classList.remove("spoken");
      }
      if (el) {
        el.classList.add("spoken");
      }
      activeWord = el;
    }
  }

  /* While playing, follow every animation frame: timeupdate comes too rarely for words. */
  function tick() {
    sync();
    frame = audio.paused ? 0 : window.requestAnimationFrame(tick);
  }

  function sync() {
    var ms = audio.currentTime * 1000;
    var chapter = lastStarted(chapters, ms);
    var cue = currentCue(ms, chapter);
    markWord(cue, ms);
    if (cue !== activeCue) {
      mark(cueEls, activeCue, cue);
      activeCue = cue;
      if (cue >= 0) {
        if (!transcript.contains(document.activeElement)) {
          setTabStop(cue);
        }
        follow(cueEls[cue]);
      }
    }
    if (chapter !== activeChapter) {
      mark(chapterEls, activeChapter, chapter);
      activeChapter = chapter;
    }
  }

  /* Real cues in the media element, so the browser itself reports when each sentence is heard. */
  function addCues() {
    if (typeof audio.addTextTrack !== "function" || typeof VTTCue !== "function") {
      return;
    }
    var track = audio.addTextTrack("metadata", "narration", "fa");
    cues.forEach(function (cue) {
      track.addCue(new VTTCue(cue.start / 1000, cue.end / 1000, cue.text));
    });
    track.mode = "hidden";
    track.addEventListener("cuechange", sync);
  }

  function cueIndex(el) {
    return cueEls.indexOf(el);
  }

  function focusCue(index) {
    var i = Math.max(0, Math.min(cueEls.length - 1, index));
    setTabStop(i);
    cueEls[i].focus();
  }

  chapterEls.forEach(function (button, i) {
    button.addEventListener("click", function () {
      seekTo(chapters[i].start);
    });
  });

  transcript.addEventListener("click", function (event) {
    var el = event.target.closest(".cue");
    var i = el ? cueIndex(el) : -1;
    if (i >= 0) {
      setTabStop(i);
      seekTo(cues[i].start);
    }
  });

  transcript.addEventListener("keydown", function (event) {
    var el = event.target.closest(".cue");
    var i = el ? cueIndex(el) : -1;
    if (i < 0) {
      return;
    }
    var rtl = getComputedStyle(transcript).direction === "rtl";
    var key = event.key;
    if (key === "ArrowDown" || key === (rtl ? "ArrowLeft" : "ArrowRight")) {
      focusCue(i + 1);
    } else if (key === "ArrowUp" || key === (rtl ? "ArrowRight" : "ArrowLeft")) {
      focusCue(i - 1);
    } else if (key === "Home") {
      focusCue(0);
    } else if (key === "End") {
      focusCue(cueEls.length - 1);
    } else if (key === "Enter" || key === " ") {
      seekTo(cues[i].start);
    } else {
      return;
    }
    event.preventDefault();
  });

  ["timeupdate", "seeked", "seeking", "loadedmetadata", "play", "pause"].forEach(function (name) {
    audio.addEventListener(name, sync);
  });
  audio.addEventListener("playing", function () {
    if (!frame) {
      frame = window.requestAnimationFrame(tick);
    }
  });
  addCues();
  setTabStop(0);
  sync();
})();
