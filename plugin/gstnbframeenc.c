/* gstnbframeenc.c - the shared frame-in, buffer-out element logic. */
#include "gstnbframeenc.h"

GST_DEBUG_CATEGORY_STATIC (gst_nb_frame_enc_debug);
#define GST_CAT_DEFAULT gst_nb_frame_enc_debug

typedef struct
{
  GstPad *sinkpad, *srcpad;
  GstNbFrameInfo info;
  gboolean have_info;
  NbWorkers *parallel;      /* READY->PAUSED .. PAUSED->READY */
  GstBufferPool *pool;          /* output buffers of pool_size bytes */
  gsize pool_size;
} GstNbFrameEncPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (GstNbFrameEnc, gst_nb_frame_enc,
    GST_TYPE_ELEMENT);

#define PRIV(self) ((GstNbFrameEncPrivate *) \
    gst_nb_frame_enc_get_instance_private (self))

GstPad *
gst_nb_frame_enc_get_srcpad (GstNbFrameEnc * self)
{
  return PRIV (self)->srcpad;
}

NbWorkers *
gst_nb_frame_enc_get_parallel (GstNbFrameEnc * self)
{
  return PRIV (self)->parallel;
}

static void
drop_pool (GstNbFrameEncPrivate * priv)
{
  if (priv->pool) {
    /* buffers still downstream are freed when they come back */
    gst_buffer_pool_set_active (priv->pool, FALSE);
    gst_clear_object (&priv->pool);
  }
  priv->pool_size = 0;
}

GstBuffer *
gst_nb_frame_enc_alloc (GstNbFrameEnc * self, gsize size)
{
  GstNbFrameEncPrivate *priv = PRIV (self);
  GstBuffer *buf = NULL;

  if (priv->pool == NULL || priv->pool_size != size) {
    GstStructure *config;

    drop_pool (priv);
    priv->pool = gst_buffer_pool_new ();
    config = gst_buffer_pool_get_config (priv->pool);
    gst_buffer_pool_config_set_params (config, NULL, size, 0, 0);
    if (gst_buffer_pool_set_config (priv->pool, config)
        && gst_buffer_pool_set_active (priv->pool, TRUE))
      priv->pool_size = size;
    else
      drop_pool (priv);
  }
  if (priv->pool)
    gst_buffer_pool_acquire_buffer (priv->pool, &buf, NULL);
  /* without a pool: memory of its own */
  return buf ? buf : gst_buffer_new_allocate (NULL, size, NULL);
}

static gboolean
gst_nb_frame_enc_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstNbFrameEnc *self = GST_NB_FRAME_ENC (parent);
  GstNbFrameEncPrivate *priv = PRIV (self);

  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *caps, *out;
    gboolean ok;

    gst_event_parse_caps (event, &caps);
    if (!gst_nb_frame_info_from_caps (caps, &priv->info)) {
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("unsupported frame caps "
              "%" GST_PTR_FORMAT, caps), (NULL));
      gst_event_unref (event);
      return FALSE;
    }
    out = GST_NB_FRAME_ENC_GET_CLASS (self)->output_caps (self, &priv->info);
    priv->have_info = TRUE;
    ok = gst_pad_set_caps (priv->srcpad, out);
    gst_caps_unref (out);
    gst_event_unref (event);
    return ok;
  }
  return gst_pad_event_default (pad, parent, event);
}

static GstFlowReturn
gst_nb_frame_enc_chain (GstPad * pad, GstObject * parent, GstBuffer * in)
{
  GstNbFrameEnc *self = GST_NB_FRAME_ENC (parent);
  GstNbFrameEncPrivate *priv = PRIV (self);
  GError *error = NULL;
  GstBuffer *out;

  if (!priv->have_info) {
    gst_buffer_unref (in);
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("a frame arrived before "
            "its caps"), (NULL));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  if (gst_buffer_get_size (in) < gst_nb_frame_size (&priv->info)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("frame of %" G_GSIZE_FORMAT
            " bytes, %dx%d needs %" G_GSIZE_FORMAT, gst_buffer_get_size (in),
            priv->info.width, priv->info.height,
            gst_nb_frame_size (&priv->info)), (NULL));
    gst_buffer_unref (in);
    return GST_FLOW_ERROR;
  }
  out = GST_NB_FRAME_ENC_GET_CLASS (self)->convert (self, &priv->info, in,
      &error);
  if (out == NULL) {
    GST_ELEMENT_ERROR (self, STREAM, ENCODE, ("%s", error->message), (NULL));
    g_error_free (error);
    gst_buffer_unref (in);
    return GST_FLOW_ERROR;
  }
  GST_BUFFER_PTS (out) = GST_BUFFER_PTS (in);
  GST_BUFFER_DTS (out) = GST_BUFFER_DTS (in);
  GST_BUFFER_DURATION (out) = GST_BUFFER_DURATION (in);
  GST_BUFFER_OFFSET (out) = GST_BUFFER_OFFSET (in);
  GST_BUFFER_OFFSET_END (out) = GST_BUFFER_OFFSET_END (in);
  gst_buffer_unref (in);
  return gst_pad_push (priv->srcpad, out);
}

static GstStateChangeReturn
gst_nb_frame_enc_change_state (GstElement * element,
    GstStateChange transition)
{
  GstNbFrameEnc *self = GST_NB_FRAME_ENC (element);
  GstNbFrameEncPrivate *priv = PRIV (self);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    GError *error = NULL;
    guint threads = gst_nb_parallel_threads_from_env (&error);
    if (threads == 0) {
      GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("%s", error->message),
          (NULL));
      g_error_free (error);
      return GST_STATE_CHANGE_FAILURE;
    }
    /* the threads live while the element streams: none per frame */
    priv->parallel = nb_workers_new (threads);
    GST_DEBUG_OBJECT (self, "%u threads", threads);
  }
  ret = GST_ELEMENT_CLASS (gst_nb_frame_enc_parent_class)->change_state
      (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE
      && transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    g_clear_pointer (&priv->parallel, nb_workers_free);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    /* the pads are inactive: no frame is being converted */
    g_clear_pointer (&priv->parallel, nb_workers_free);
    drop_pool (priv);
    PRIV (self)->have_info = FALSE;
    if (GST_NB_FRAME_ENC_GET_CLASS (self)->reset)
      GST_NB_FRAME_ENC_GET_CLASS (self)->reset (self);
  }
  return ret;
}

static void
gst_nb_frame_enc_class_init (GstNbFrameEncClass * klass)
{
  GST_DEBUG_CATEGORY_INIT (gst_nb_frame_enc_debug, "nbframeenc", 0,
      "nanobragg frame converters");
  GST_ELEMENT_CLASS (klass)->change_state = gst_nb_frame_enc_change_state;
}

static void
gst_nb_frame_enc_init (GstNbFrameEnc * self)
{
}

/* Called by each subclass's init: only then does the instance's class
 * carry the subclass's pad templates. */
void
gst_nb_frame_enc_add_pads (GstNbFrameEnc * self)
{
  GstElementClass *klass = GST_ELEMENT_GET_CLASS (self);
  GstNbFrameEncPrivate *priv = PRIV (self);

  priv->sinkpad = gst_pad_new_from_template
      (gst_element_class_get_pad_template (klass, "sink"), "sink");
  gst_pad_set_chain_function (priv->sinkpad, gst_nb_frame_enc_chain);
  gst_pad_set_event_function (priv->sinkpad, gst_nb_frame_enc_sink_event);
  gst_element_add_pad (GST_ELEMENT (self), priv->sinkpad);

  priv->srcpad = gst_pad_new_from_template
      (gst_element_class_get_pad_template (klass, "src"), "src");
  gst_pad_use_fixed_caps (priv->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), priv->srcpad);
}
